"""Reads of the Alerts page."""

from django.db.models import Max, Q

from reporting.alerts.models import SpendAlert
from reporting.limits.models import SpendLimit


def alerts_with_last_fired(account) -> list[SpendAlert]:
    """The account's alerts, each with `last_fired_at`, its recipients loaded, and
    `limit_micros`: the spend limit its percent thresholds are shares of (or None)."""
    alerts: list[SpendAlert] = list(
        SpendAlert.objects.for_account(account)
        .select_related("project")
        .prefetch_related("recipients__user")
        .annotate(last_fired_at=Max("firings__fired_at"))
    )
    limits = scope_limits(alerts)
    for alert in alerts:
        alert.limit_micros = limits.get(alert.pk)
    return alerts


def scope_limits(alerts) -> dict[int, int]:
    """{alert id: micro-dollars} of the live spend limit on what each percent alert watches."""
    watching = [a for a in alerts if a.basis == SpendAlert.Basis.LIMIT_PERCENT]
    if not watching:
        return {}
    limits = SpendLimit.objects.live().filter(
        Q(scope=SpendLimit.Scope.ACCOUNT, account_id__in={a.account_id for a in watching})
        | Q(scope=SpendLimit.Scope.PROJECT, project_id__in={a.project_id for a in watching})
    )
    on_account = {}
    on_project = {}
    for limit in limits:
        if limit.scope == SpendLimit.Scope.ACCOUNT:
            on_account[limit.account_id] = limit.amount_micros
        else:
            on_project[limit.project_id] = limit.amount_micros
    found = {}
    for alert in watching:
        if alert.scope == SpendAlert.Scope.PROJECT:
            amount = on_project.get(alert.project_id)
        else:
            amount = on_account.get(alert.account_id)
        if amount is not None:
            found[alert.pk] = amount
    return found
