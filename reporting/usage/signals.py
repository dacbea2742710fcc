"""What usage recording tells the rest of reporting, inside the recording's transaction."""

from django.dispatch import Signal

# Sent after a batch's new events are inserted (none for replays), before the
# transaction commits, with `totals`: a list of `MonthTotal` (usage.values),
# the new events' cost per account, project, key and month; and `settlements`:
# a list of `Settlement` for the new events that name a reservation. A
# receiver that refuses a settlement raises UsageBatchError: the batch rolls
# back, nothing is recorded.
usage_recorded = Signal()
