"""What reporting tells the apps above it (account webhooks connect here, C2).

Each is sent once the change commits, with `account` (accounts.Account) and
`data`: a JSON-ready dict describing the event, whose "text" is one readable
line (chat tools show it as the message).
"""

from django.dispatch import Signal

# Sent once per alert threshold and month, when the threshold is crossed.
spend_alert_fired = Signal()
# Sent once per limit and month, when a request is first refused by the limit.
spend_limit_reached = Signal()
