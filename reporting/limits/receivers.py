# SQL here is built from our own table names only; values are always parameters.
# ruff: noqa: S608
"""What spend limits do when usage is recorded (connected in ReportingConfig.ready)."""

import uuid
from datetime import date

from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Account
from reporting.limits.models import SpendLimit, SpendReservation
from reporting.usage.values import MonthTotal, Settlement, UsageBatchError

_ACCOUNT = Account._meta.db_table


def usage_recorded(sender, *, totals: list[MonthTotal], settlements: list[Settlement], **kwargs):
    counters_add(totals)
    if settlements:
        reservations_settle(settlements)


def counters_add(totals: list[MonthTotal]) -> None:
    """Add new usage to the month's counter of every live limit covering it.

    First a KEY SHARE lock on the events' accounts (the foreign key's check
    takes it too), held to the end: a limit is created under the account's
    FOR UPDATE lock, which waits for this transaction, so the sum it starts
    from includes these events; a limit created before this lock is seen by
    the statements that follow it. Then the covering limits are locked in id
    order (as the checks lock them) and added to.
    """
    account_ids = sorted({total.account_id for total in totals})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {_ACCOUNT} WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE",
                [account_ids],
            )
    covering = Q(scope=SpendLimit.Scope.ACCOUNT)
    covering |= Q(
        scope=SpendLimit.Scope.PROJECT, project_id__in={t.project_id for t in totals} - {None}
    )
    covering |= Q(
        scope=SpendLimit.Scope.API_KEY, api_key_id__in={t.api_key_id for t in totals} - {None}
    )
    limits = list(
        SpendLimit.objects.live()
        .filter(covering, account_id__in=account_ids)
        .order_by("pk")
        .select_for_update()
    )
    for limit in limits:
        covered = [
            total
            for total in totals
            if total.account_id == limit.account_id
            and (
                limit.scope == SpendLimit.Scope.ACCOUNT
                or (
                    limit.scope == SpendLimit.Scope.PROJECT and total.project_id == limit.project_id
                )
                or (
                    limit.scope == SpendLimit.Scope.API_KEY and total.api_key_id == limit.api_key_id
                )
            )
        ]
        # The first usage of a later month starts the counter over: every event
        # passes here under this lock, so none of that month came before it.
        month = max([limit.month, *(total.month for total in covered)], key=_orderable)
        added = sum(total.cost_micros for total in covered if total.month == month)
        if month != limit.month:
            SpendLimit.objects.filter(pk=limit.pk).update(month=month, spent_micros=added)
        elif added:
            SpendLimit.objects.filter(pk=limit.pk).update(spent_micros=F("spent_micros") + added)


def _orderable(month):
    return month or date.min


def reservations_settle(settlements: list[Settlement]) -> None:
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
