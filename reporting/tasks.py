"""Background work of reporting (beat schedule in settings). Tasks only call services."""

from celery import shared_task

from reporting import services


@shared_task
def aggregate_usage() -> int:
    """Fold new usage events into the hourly rollups, exactly once."""
    folded = services.usage_aggregate()
    if folded:
        # Spend alerts read month-to-date spend: check them as soon as new usage counts.
        check_spend_alerts()
    return folded


@shared_task
def expire_streaming_sessions() -> int:
    """Close streaming sessions open past the maximum duration, billed that maximum."""
    return services.streaming_sessions_expire()


@shared_task
def check_spend_alerts() -> int:
    """Email each spend alert's recipients once a month when it is crossed (or on pace to be)."""
    from reporting import alerts

    return alerts.spend_alerts_check()


@shared_task
def close_invoices() -> int:
    """Close each complete calendar month into an invoice per account; idempotent."""
    from reporting import billing

    return billing.invoices_close_due()


@shared_task
def autopay_top_ups() -> int:
    """Top up the prepaid balance of accounts whose autopay threshold is crossed."""
    from reporting import billing

    return billing.autopay_run()
