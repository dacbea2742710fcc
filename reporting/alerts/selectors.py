"""Reads of the Alerts page."""

from django.db.models import Max

from reporting.alerts.models import SpendAlert


def alerts_with_last_fired(account):
    """The account's alerts, each with `last_fired_at` and its recipients loaded."""
    return (
        SpendAlert.objects.for_account(account)
        .select_related("project")
        .prefetch_related("recipients__user")
        .annotate(last_fired_at=Max("firings__fired_at"))
    )
