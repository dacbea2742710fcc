"""Celery tasks of account webhooks: one per delivery attempt, and the beat sweep."""

import logging
from collections.abc import Iterable
from datetime import datetime

from celery import shared_task
from django.utils import timezone

from webhooks.delivery import delivery_attempt, due_delivery_ids
from webhooks.models import WebhookDelivery

logger = logging.getLogger(__name__)


def deliveries_enqueue(delivery_ids: Iterable[int], *, at: datetime | None = None) -> None:
    """Queue an attempt of each delivery (at `at`, else now); the sweep sends what is lost."""
    countdown = max(0.0, (at - timezone.now()).total_seconds()) if at else 0.0
    for delivery_id in delivery_ids:
        try:
            deliver.apply_async((delivery_id,), countdown=countdown)
        except Exception:
            # The broker is down: the delivery stays due, and the beat sweep sends it.
            logger.exception("Could not queue webhook delivery %s", delivery_id)


@shared_task(ignore_result=True)
def deliver(delivery_id: int) -> None:
    """One attempt of a delivery; a failed one queues the next at its due time."""
    delivery = delivery_attempt(delivery_id=delivery_id)
    if delivery is not None and delivery.status == WebhookDelivery.Status.PENDING:
        deliveries_enqueue([delivery.pk], at=delivery.next_attempt_at)


@shared_task(ignore_result=True)
def deliver_due() -> int:
    """Queue the deliveries whose own task was lost (beat, every minute)."""
    ids = due_delivery_ids()
    deliveries_enqueue(ids)
    return len(ids)
