"""Background work of reporting (beat schedule in settings). Tasks only call services.

Above the three subjects: aggregating usage is followed by the spend alerts' check.
"""

from celery import shared_task

from reporting.alerts.services import spend_alerts_check
from reporting.billing.services import autopay_run, invoices_close_due
from reporting.limits.services import spend_authorizations_expire
from reporting.usage.retention import usage_events_retire, usage_partitions_ensure
from reporting.usage.services import streaming_sessions_expire, usage_aggregate


@shared_task
def aggregate_usage() -> int:
    """Fold new usage events into the hourly rollups, exactly once."""
    folded = usage_aggregate()
    if folded:
        # Spend alerts read month-to-date spend: check them as soon as new usage counts.
        check_spend_alerts()
    return folded


@shared_task
def expire_streaming_sessions() -> int:
    """Close streaming sessions open past the maximum duration, billed that maximum."""
    return streaming_sessions_expire()


@shared_task
def expire_spend_authorizations() -> int:
    """Release producers' authorizations that no event settled in time."""
    return spend_authorizations_expire()


@shared_task
def check_spend_alerts() -> int:
    """Email each spend alert's recipients once a month when it is crossed (or on pace to be)."""
    return spend_alerts_check()


@shared_task
def close_invoices() -> int:
    """Close each complete calendar month into an invoice per account; idempotent."""
    return invoices_close_due()


@shared_task
def autopay_top_ups() -> int:
    """Top up the prepaid balance of accounts whose autopay threshold is crossed."""
    return autopay_run()


@shared_task
def maintain_usage_events() -> int:
    """Make next months' event partitions ahead, then drop raw events past the retention."""
    made = usage_partitions_ensure()
    usage_events_retire()
    return len(made)
