"""What spend limits do when usage is recorded (connected in ReportingConfig.ready)."""

import uuid

from django.utils import timezone

from reporting.limits.models import SpendReservation
from reporting.usage.values import Settlement, UsageBatchError


def reservations_settle(sender, *, settlements: list[Settlement], **kwargs) -> None:
    """Settle the open reservations that new events name, in the events' transaction.

    A reservation that is not the event's account's refuses the batch; one
    already settled or released stays as it is (the usage is recorded all the
    same: it happened).
    """
    errors, ids = [], {}
    for item in settlements:
        try:
            ids[item.index] = uuid.UUID(str(item.reservation_id))
        except ValueError:
            errors.append(
                {"index": item.index, "field": "reservation_id", "message": "No such reservation."}
            )
    found = {
        r.pk: r
        for r in SpendReservation.objects.select_for_update().filter(pk__in=set(ids.values()))
    }
    now = timezone.now()
    for item in settlements:
        if item.index not in ids:
            continue
        reservation = found.get(ids[item.index])
        # SECURITY: an event settles only a reservation of its own account.
        if reservation is None or reservation.account_id != item.account_id:
            errors.append(
                {
                    "index": item.index,
                    "field": "reservation_id",
                    "message": "No such reservation in this account.",
                }
            )
            continue
        if reservation.status != SpendReservation.Status.OPEN:
            continue
        reservation.status = SpendReservation.Status.SETTLED
        reservation.settled_by = item.idempotency_key
        reservation.settled_micros = item.cost_micros
        reservation.closed_at = now
        reservation.save(update_fields=["status", "settled_by", "settled_micros", "closed_at"])
    if errors:
        raise UsageBatchError(sorted(errors, key=lambda e: e["index"]))
