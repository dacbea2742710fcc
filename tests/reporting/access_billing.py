"""Billing and spend alert URLs: billing for Owners and Admins, alerts viewable by every member."""

from tests.access import NOT_FOUND, REDIRECT, managers_only, members_only


def _invoice(world):
    return {"pk": world["billing_invoice"].pk}


def _alert(world):
    return {"pk": world["billing_alert"].pk}


ROWS = {
    # `reporting:billing` has its row in tests/reporting/access.py.
    "reporting:billing_autopay": managers_only(
        REDIRECT,
        method="post",
        data=lambda world: {"autopay_enabled": "on", "threshold": "10", "amount": "20"},
    ),
    "reporting:invoices": managers_only(),
    # The outsider asks for the team's invoice and alert from their own account: 404.
    "reporting:invoice": managers_only(outsider=NOT_FOUND, kwargs=_invoice),
    "reporting:invoice_print": managers_only(outsider=NOT_FOUND, kwargs=_invoice),
    "reporting:alerts": members_only(),
    "reporting:alert_create": managers_only(),
    "reporting:alert_edit": managers_only(outsider=NOT_FOUND, kwargs=_alert),
    "reporting:alert_delete": managers_only(outsider=NOT_FOUND, kwargs=_alert),
}


def world(team):
    from datetime import date

    from reporting.models import Invoice, SpendAlert

    return {
        "billing_invoice": Invoice.objects.create(
            account=team.account, month=date(2026, 9, 1), total_micros=0, total_cents=0
        ),
        "billing_alert": SpendAlert.objects.create(
            account=team.account, scope="account", thresholds=[1_000_000]
        ),
    }
