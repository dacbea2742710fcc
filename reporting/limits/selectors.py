# SQL here is built from our own table and column names only; values are always parameters.
# ruff: noqa: S608
"""Reads of spend limits: the live limits covering a request, and month-to-date spend.

Month-to-date spend is, in one statement (one snapshot, so a usage event that
settles a reservation or a fold that moves pending events into the rollups is
seen wholly before or wholly after): the daily rollups of the month, plus the
events not yet folded (from the small pending table, which carries each
event's account, project, key and cost), plus the open reservations.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from reporting.limits.models import SpendLimit, SpendReservation
from reporting.limits.values import MonthSpend
from reporting.usage.models import PendingUsage, UsageRollupDaily
from reporting.usage.values import period_range

_DAILY = UsageRollupDaily._meta.db_table
_PENDING = PendingUsage._meta.db_table
_RESERVATION = SpendReservation._meta.db_table
_OPEN = SpendReservation.Status.OPEN.value
_STREAMING = SpendReservation.Kind.STREAMING.value

# Spent and reserved for the account, one project and one key: three sums of
# each part in one pass over the account's rows of the month.
_TARGET_SUMS = """
SUM({cost}), SUM(CASE WHEN project_id = %s THEN {cost} END),
SUM(CASE WHEN api_key_id = %s THEN {cost} END)
"""
_TARGETS_SQL = f"""
SELECT 'spent', {_TARGET_SUMS.format(cost="cost_micros")}
FROM {_DAILY} WHERE account_id = %s AND day >= %s AND day < %s
UNION ALL
SELECT 'spent', {_TARGET_SUMS.format(cost="cost_micros")}
FROM {_PENDING} WHERE account_id = %s AND occurred_at >= %s AND occurred_at < %s
UNION ALL
SELECT kind, {_TARGET_SUMS.format(cost="amount_micros")}
FROM {_RESERVATION} WHERE account_id = %s AND status = '{_OPEN}'
GROUP BY kind
"""
# Only the open reservations (the check: recorded usage is in the limits' counters).
_RESERVED_SQL = f"""
SELECT kind, {_TARGET_SUMS.format(cost="amount_micros")}
FROM {_RESERVATION} WHERE account_id = %s AND status = '{_OPEN}'
GROUP BY kind
"""
# Only the recorded usage (a limit's counter, started over).
_SPENT_SQL = f"""
SELECT 'spent', {_TARGET_SUMS.format(cost="cost_micros")}
FROM {_DAILY} WHERE account_id = %s AND day >= %s AND day < %s
UNION ALL
SELECT 'spent', {_TARGET_SUMS.format(cost="cost_micros")}
FROM {_PENDING} WHERE account_id = %s AND occurred_at >= %s AND occurred_at < %s
"""
# The same, for every project and key of the account (the limits page).
_GROUPED_SQL = f"""
SELECT 'spent', COALESCE(project_id, 0), COALESCE(api_key_id, 0), SUM(cost_micros)
FROM {_DAILY} WHERE account_id = %s AND day >= %s AND day < %s GROUP BY 2, 3
UNION ALL
SELECT 'spent', COALESCE(project_id, 0), COALESCE(api_key_id, 0), SUM(cost_micros)
FROM {_PENDING} WHERE account_id = %s AND occurred_at >= %s AND occurred_at < %s GROUP BY 2, 3
UNION ALL
SELECT kind, COALESCE(project_id, 0), COALESCE(api_key_id, 0), SUM(amount_micros)
FROM {_RESERVATION} WHERE account_id = %s AND status = '{_OPEN}' GROUP BY 1, 2, 3
"""


@dataclass
class LimitFigures:
    """A limit with its month to date (for pages and the admin API)."""

    limit: SpendLimit
    spend: MonthSpend

    @property
    def remaining(self) -> int:
        return max(0, self.limit.amount_micros - self.spend.total)

    @property
    def reached(self) -> bool:
        return self.spend.total >= self.limit.amount_micros


def month_range(now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) of the current calendar month in UTC: the period every limit covers."""
    return period_range("this_month", now=now or timezone.now())


def covering_limits(*, account_id: int, project_id: int | None, api_key_id: int | None):
    """The live limits on this account, its project and its key (a queryset, in id order)."""
    targets = Q(scope=SpendLimit.Scope.ACCOUNT)
    if project_id is not None:
        targets |= Q(scope=SpendLimit.Scope.PROJECT, project_id=project_id)
    if api_key_id is not None:
        targets |= Q(scope=SpendLimit.Scope.API_KEY, api_key_id=api_key_id)
    return SpendLimit.objects.live().filter(targets, account_id=account_id).order_by("pk")


def live_limit(*, account, project=None, api_key=None) -> SpendLimit | None:
    """The live limit on the account (no project or key), a project, or a key."""
    limits = SpendLimit.objects.for_account(account).select_related("account", "project", "api_key")
    if api_key is not None:
        return limits.filter(scope=SpendLimit.Scope.API_KEY, api_key=api_key).first()
    if project is not None:
        return limits.filter(scope=SpendLimit.Scope.PROJECT, project=project).first()
    return limits.filter(scope=SpendLimit.Scope.ACCOUNT).first()


def month_spend(
    *,
    account_id: int,
    project_id: int | None = None,
    api_key_id: int | None = None,
    now=None,
    parts: str = "all",
) -> dict[str, MonthSpend]:
    """Month to date of the account, its project and its key, keyed by SpendLimit.Scope, now.

    `parts`: "all", or only "spent" (recorded usage) or "reserved" (open reservations).
    """
    start, end = month_range(now)
    target = [project_id or 0, api_key_id or 0]
    ranged: list[Any] = [*target, account_id, start, end]
    sql, params = {
        "all": (_TARGETS_SQL, [*ranged, *ranged, *target, account_id]),
        "spent": (_SPENT_SQL, [*ranged, *ranged]),
        "reserved": (_RESERVED_SQL, [*target, account_id]),
    }[parts]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    spends = {scope: MonthSpend() for scope in SpendLimit.Scope.values}
    for kind, *sums in rows:
        for scope, amount in zip(SpendLimit.Scope.values, sums, strict=True):
            amount = int(amount or 0)
            if kind == "spent":
                spends[scope].spent += amount
            else:
                spends[scope].reserved += amount
                if kind == _STREAMING:
                    spends[scope].streaming += amount
    return spends


def spend_of(limit: SpendLimit, *, now=None) -> MonthSpend:
    """One limit's month to date."""
    return month_spend(
        account_id=limit.account_id,
        project_id=limit.project_id,
        api_key_id=limit.api_key_id,
        now=now,
    )[limit.scope]


def limits_with_spend(*, account, now=None) -> list[LimitFigures]:
    """Every live limit of the account with its month to date: account first, then projects and keys."""
    limits = list(
        SpendLimit.objects.for_account(account)
        # A deleted project's or key's limit covers nothing any more.
        .exclude(project__deleted_at__isnull=False)
        .exclude(api_key__deleted_at__isnull=False)
        .select_related("account", "project", "api_key")
        .order_by("scope", "pk")
    )
    if not limits:
        return []
    start, end = month_range(now)
    with connection.cursor() as cursor:
        cursor.execute(_GROUPED_SQL, [account.pk, start, end, account.pk, start, end, account.pk])
        rows = cursor.fetchall()
    account_spend = MonthSpend()
    by_project: dict[int, MonthSpend] = defaultdict(MonthSpend)
    by_key: dict[int, MonthSpend] = defaultdict(MonthSpend)
    for kind, project_id, key_id, amount in rows:
        amount = int(amount or 0)
        for spend in (account_spend, by_project[project_id], by_key[key_id]):
            if kind == "spent":
                spend.spent += amount
            else:
                spend.reserved += amount
                if kind == _STREAMING:
                    spend.streaming += amount
    order = {scope: index for index, scope in enumerate(SpendLimit.Scope.values)}
    figures = []
    for limit in sorted(limits, key=lambda item: (order[item.scope], item.pk)):
        if limit.scope == SpendLimit.Scope.API_KEY:
            spend = by_key.get(limit.api_key_id or 0, MonthSpend())
        elif limit.scope == SpendLimit.Scope.PROJECT:
            spend = by_project.get(limit.project_id or 0, MonthSpend())
        else:
            spend = account_spend
        figures.append(LimitFigures(limit=limit, spend=spend))
    return figures


def figures_by_target(*, account, now=None) -> dict[str, LimitFigures]:
    """`limits_with_spend` by target ("account", "project:<id>", "key:<id>"): for tables' rows."""
    return {
        figures.limit.target_value: figures
        for figures in limits_with_spend(account=account, now=now)
    }


def target_figures(*, account, project=None, api_key=None, now=None):
    """(the live limit's figures or None, the month to date) of the account, a project or a key."""
    limit = live_limit(account=account, project=project, api_key=api_key)
    if api_key is not None:
        project = api_key.project
    scope = (
        SpendLimit.Scope.API_KEY
        if api_key is not None
        else SpendLimit.Scope.PROJECT
        if project is not None
        else SpendLimit.Scope.ACCOUNT
    )
    spend = month_spend(
        account_id=account.pk,
        project_id=project.pk if project is not None else None,
        api_key_id=api_key.pk if api_key is not None else None,
        now=now,
    )[scope]
    return (LimitFigures(limit=limit, spend=spend) if limit else None), spend


def account_limit_figures(account, *, now=None) -> LimitFigures | None:
    """The account's own limit with its month to date (the Billing page), or None."""
    limit = live_limit(account=account)
    if limit is None:
        return None
    return LimitFigures(limit=limit, spend=spend_of(limit, now=now))
