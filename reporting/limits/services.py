"""Spend limits: set and clear them, reserve spend against them, settle and release reservations (C1).

The check behind `spend_reserve` locks the live limits covering the work (in
id order, so that two requests covered by the same limits queue rather than
deadlock), reads the month to date in one statement, and inserts the
reservation in the caller's transaction: a concurrent request covered by any
of the same limits waits for the lock and then sees this reservation. Work no
limit covers costs one indexed lookup and holds nothing.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.actors import user_or_none
from accounts.audit import audit_log
from accounts.models import AuditAction
from accounts.permissions import Action
from accounts.services import ensure_can, locked_account
from reporting import pricing
from reporting.amounts import dollars, grouped
from reporting.limits.models import SpendLimit, SpendLimitNotice, SpendReservation
from reporting.limits.selectors import covering_limits, month_range, month_spend
from reporting.limits.values import MAX_LIMIT, MIN_LIMIT, MonthSpend, SpendLimitReached
from reporting.signals import spend_limit_reached

logger = logging.getLogger(__name__)


# Set and clear ----------------------------------------------------------------


def _target(*, account, project, api_key) -> tuple[str, dict]:
    """The limit's scope and target fields; refuses another account's project or key."""
    # SECURITY: a limit only ever names a live project or key of its own account.
    if api_key is not None:
        if (
            api_key.deleted_at is not None
            or api_key.project.account_id != account.pk
            or api_key.project.deleted_at is not None
        ):
            raise ValidationError("Choose one of this account's API keys.")
        return SpendLimit.Scope.API_KEY, {"project": api_key.project, "api_key": api_key}
    if project is not None:
        if project.account_id != account.pk or project.deleted_at is not None:
            raise ValidationError("Choose one of this account's projects.")
        return SpendLimit.Scope.PROJECT, {"project": project, "api_key": None}
    return SpendLimit.Scope.ACCOUNT, {"project": None, "api_key": None}


def check_amount(amount_micros) -> int:
    """A limit's amount, checked: raises ValidationError on the `amount` field."""
    if isinstance(amount_micros, bool) or not isinstance(amount_micros, int):
        raise ValidationError({"amount": "Enter the limit as a number of dollars."})
    if not MIN_LIMIT <= amount_micros <= MAX_LIMIT:
        raise ValidationError(
            {
                "amount": f"Enter a monthly limit between ${dollars(MIN_LIMIT)} "
                f"and ${grouped(dollars(MAX_LIMIT))}."
            }
        )
    return amount_micros


@transaction.atomic
def spend_limit_set(
    *, account, actor, amount_micros: int, project=None, api_key=None
) -> SpendLimit:
    """Set (or change) the monthly limit on the account, a project or a key.

    A limit below this month's spend applies at once: the next request is refused.
    """
    ensure_can(actor=actor, account=account, action=Action.MANAGE_SPEND_LIMITS)
    amount_micros = check_amount(amount_micros)
    scope, fields = _target(account=account, project=project, api_key=api_key)
    # The account's row serialises limit changes: one live limit per target.
    account = locked_account(account)
    limit = (
        SpendLimit.objects.for_account(account)
        .select_for_update()
        .filter(scope=scope, project=fields["project"], api_key=fields["api_key"])
        .first()
    )
    before = None
    if limit is None:
        limit = SpendLimit.objects.create(
            account=account,
            scope=scope,
            amount_micros=amount_micros,
            created_by=user_or_none(actor),
            **fields,
        )
        now = timezone.now()
        _start_counter(limit, month=month_range(now)[0].date(), now=now)
    else:
        before = limit.amount_micros
        if before == amount_micros:
            return limit
        limit.amount_micros = amount_micros
        limit.save(update_fields=["amount_micros", "updated_at"])
    limit.account = account
    metadata = {"scope": scope, "target": limit.target_label, "amount": dollars(amount_micros)}
    if before is not None:
        metadata["from"] = dollars(before)
    audit_log(
        account=account,
        actor=actor,
        action=AuditAction.SPEND_LIMIT_SET,
        target=limit,
        target_label=f"Spend limit for {limit.target_label}",
        metadata=metadata,
    )
    return limit


@transaction.atomic
def spend_limit_clear(*, account, actor, project=None, api_key=None) -> None:
    """Remove the limit on the account, a project or a key; clearing none is refused."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_SPEND_LIMITS)
    scope, fields = _target(account=account, project=project, api_key=api_key)
    account = locked_account(account)
    limit = (
        SpendLimit.objects.for_account(account)
        .select_for_update()
        .filter(scope=scope, project=fields["project"], api_key=fields["api_key"])
        .first()
    )
    if limit is None:
        raise ValidationError("There is no spend limit to clear here.")
    limit.cleared_at = timezone.now()
    limit.save(update_fields=["cleared_at", "updated_at"])
    limit.account = account
    audit_log(
        account=account,
        actor=actor,
        action=AuditAction.SPEND_LIMIT_CLEAR,
        target=limit,
        target_label=f"Spend limit for {limit.target_label}",
        metadata={
            "scope": scope,
            "target": limit.target_label,
            "amount": dollars(limit.amount_micros),
        },
    )


# Reserve, settle, release -----------------------------------------------------


def worst_case_micros(*, product: str, model: str, seconds: int, at: datetime | None = None) -> int:
    """What `seconds` of `model` can cost at most (price from reporting.pricing)."""
    return pricing.cost_micros(
        product=product,
        model=model,
        unit=pricing.SECOND,
        quantity=max(0, seconds),
        at=at or timezone.now(),
    )


def _start_counter(limit: SpendLimit, *, month, now) -> None:
    """A new limit's counter: the month's recorded usage (folded or not) of its target.

    Under the account's row lock: transactions recording the account's usage
    hold its KEY SHARE lock until they commit (receivers.counters_add), so the
    sum includes every event committed before, and every later one adds itself.
    """
    limit.spent_micros = month_spend(
        account_id=limit.account_id,
        project_id=limit.project_id,
        api_key_id=limit.api_key_id,
        now=now,
        parts="spent",
    )[limit.scope].spent
    limit.month = month
    limit.save(update_fields=["spent_micros", "month"])


def spend_reserve(
    *,
    account_id: int,
    project_id: int | None,
    api_key_id: int | None,
    amount_micros: int | Callable[[], int],
    kind: str,
    reference: str | None = None,
    refuse_reached_only: bool = False,
    hold_without_limit: bool = False,
    now=None,
) -> SpendReservation | None:
    """Hold `amount_micros` against every live limit covering the work, or raise SpendLimitReached.

    Call it inside the transaction that starts the work: the limit rows stay
    locked until it ends. Refused when the month to date plus the amount would
    pass a limit (with `refuse_reached_only`: only once the month to date has
    reached it, for work whose cost is known only at its end). None when no
    limit covers the work (unless `hold_without_limit`: producers get a
    reservation whatever). `amount_micros` may be a function: it is then
    worked out only when a limit covers the work.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("spend_reserve must run inside the transaction that starts the work.")
    now = now or timezone.now()
    # Locked in id order: requests under the same limits queue here, one by one,
    # and each sees the reservations of those before it.
    limits = list(
        covering_limits(
            account_id=account_id, project_id=project_id, api_key_id=api_key_id
        ).select_for_update()
    )
    if not limits and not hold_without_limit:
        return None
    if callable(amount_micros):
        amount_micros = amount_micros()
    _refuse_over(
        limits,
        account_id=account_id,
        project_id=project_id,
        api_key_id=api_key_id,
        amount_micros=amount_micros,
        refuse_reached_only=refuse_reached_only,
        now=now,
    )
    return SpendReservation.objects.create(
        account_id=account_id,
        project_id=project_id,
        api_key_id=api_key_id,
        amount_micros=amount_micros,
        kind=kind,
        reference=reference,
    )


def _refuse_over(
    limits: list[SpendLimit],
    *,
    account_id: int,
    project_id: int | None,
    api_key_id: int | None,
    amount_micros: int,
    refuse_reached_only: bool,
    now,
) -> None:
    """Raise SpendLimitReached for the first of `limits` the work would take past its amount."""
    month = month_range(now)[0].date()
    reserved = (
        month_spend(
            account_id=account_id,
            project_id=project_id,
            api_key_id=api_key_id,
            parts="reserved",
        )
        if limits
        else {}
    )
    summed: dict[str, MonthSpend] | None = None
    for limit in limits:
        if limit.month == month:
            spent = limit.spent_micros
        elif limit.month is not None and limit.month > month:
            # A producer's clock a few minutes ahead moved the counter into next
            # month during this month's last minutes: this month is summed instead.
            if summed is None:
                summed = month_spend(
                    account_id=account_id,
                    project_id=project_id,
                    api_key_id=api_key_id,
                    now=now,
                    parts="spent",
                )
            spent = summed[limit.scope].spent
        else:
            # A counter of an earlier month: nothing recorded under it this month yet.
            spent = 0
        used = spent + reserved[limit.scope].reserved
        over = (
            used >= limit.amount_micros
            if refuse_reached_only
            else (used + amount_micros > limit.amount_micros)
        )
        if over:
            raise SpendLimitReached(limit, spent_micros=used, period=month)


def spend_check_reached(
    *, account_id: int, project_id: int | None, api_key_id: int | None, now=None
) -> None:
    """Raise SpendLimitReached when a limit covering the work is already reached.

    For work whose worst case is known only later (a remote file, before its
    fetch): refused at once rather than accepted and failed. Nothing is held;
    the reservation made once the cost is known checks again, under the locks.
    """
    limits = list(
        covering_limits(account_id=account_id, project_id=project_id, api_key_id=api_key_id)
    )
    _refuse_over(
        limits,
        account_id=account_id,
        project_id=project_id,
        api_key_id=api_key_id,
        amount_micros=0,
        refuse_reached_only=True,
        now=now or timezone.now(),
    )


def spend_authorizations_expire(*, now=None) -> int:
    """Release the producers' authorizations older than SPEND_AUTHORIZATION_TTL that no
    event settled: a producer that crashed never holds a limit's room for long."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.SPEND_AUTHORIZATION_TTL)
    released = SpendReservation.objects.filter(
        kind=SpendReservation.Kind.AUTHORIZATION,
        status=SpendReservation.Status.OPEN,
        created_at__lt=stale,
    ).update(status=SpendReservation.Status.RELEASED, closed_at=now)
    if released:
        logger.info("Released %d producer authorizations past their time", released)
    return released


def spend_reservation_settle(*, reference: str, event_key: str, cost_micros: int) -> bool:
    """The open reservation for `reference` becomes the usage that settles it.

    Call it in the transaction that records the usage event: both commit
    together, so the month to date counts one or the other, never both or neither.
    """
    return bool(
        SpendReservation.objects.filter(
            reference=reference, status=SpendReservation.Status.OPEN
        ).update(
            status=SpendReservation.Status.SETTLED,
            settled_by=event_key,
            settled_micros=cost_micros,
            closed_at=timezone.now(),
        )
    )


def spend_reservation_release(*, reference: str) -> bool:
    """The work ended without usage: its reservation no longer counts."""
    return bool(
        SpendReservation.objects.filter(
            reference=reference, status=SpendReservation.Status.OPEN
        ).update(status=SpendReservation.Status.RELEASED, closed_at=timezone.now())
    )


def spend_reservations_release(*, references: list[str]) -> int:
    return SpendReservation.objects.filter(
        reference__in=references, status=SpendReservation.Status.OPEN
    ).update(status=SpendReservation.Status.RELEASED, closed_at=timezone.now())


# "Limit reached" ---------------------------------------------------------------


def spend_limit_note_refusal(error: SpendLimitReached) -> bool:
    """Tell `spend_limit_reached` the first time a limit refuses work in a month.

    Call it after the refused work's transaction has rolled back. The unique
    (limit, month) row keeps it once a month, however many requests are refused
    at the same moment. True when this call is the one that told.
    """
    limit = error.limit
    try:
        with transaction.atomic():
            SpendLimitNotice.objects.create(
                account_id=limit.account_id,
                limit=limit,
                period=error.period,
                spent_micros=error.spent_micros,
            )
    except IntegrityError:
        return False
    account = limit.account
    data = {
        "limit_id": limit.pk,
        "scope": limit.scope,
        "target": limit.target_label,
        "target_id": limit.target_id,
        "amount": dollars(limit.amount_micros),
        "spent": dollars(error.spent_micros),
        "period": f"{error.period:%Y-%m}",
        "text": f"Spend limit for {account.name}: {error.message}.",
    }
    transaction.on_commit(
        lambda: spend_limit_reached.send(sender=SpendLimit, account=account, data=data),
        robust=True,
    )
    return True
