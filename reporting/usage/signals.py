"""What usage recording tells the rest of reporting, inside the recording's transaction."""

from django.dispatch import Signal

# Sent after a batch's new events are inserted, before the transaction commits,
# with `settlements`: a list of `Settlement` (usage.values) for the new events
# that name a reservation. A receiver that refuses one raises UsageBatchError:
# the batch rolls back, nothing is recorded.
usage_recorded = Signal()
