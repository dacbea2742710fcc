"""Reads of the Alerts page."""

from django.db.models import Max

from reporting.alerts.models import SpendAlert
from reporting.alerts.services import scope_limits


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
