"""What apikeys tells the apps above it (account webhooks will connect here, C2).

Both are sent once the change commits, at most once per key and notice.
"""

from django.dispatch import Signal

# kwargs: api_key (ApiKey), days_left (7 or 1). Sent 7 days and 1 day before expiry.
api_key_expiring = Signal()
# kwargs: api_key (ApiKey). Sent once the key has expired.
api_key_expired = Signal()
