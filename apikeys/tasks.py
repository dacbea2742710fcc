"""Background work of API keys (beat schedule in settings). Tasks only call services."""

from celery import shared_task

from apikeys.services import apikey_expiry_notices_send


@shared_task
def send_expiry_notices() -> int:
    """Announce keys expiring in 7 days and in 1 day, and those that have expired (K5)."""
    return apikey_expiry_notices_send()
