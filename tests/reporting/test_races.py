"""Spend alerts changed by another admin meanwhile: deleting one is a clear message, not a 500;
a check that meets an alert raised above the spend does not fire it."""

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import AuditEvent
from reporting.alerts import services
from reporting.alerts.models import SpendAlert, SpendAlertFiring
from tests.races import while_row_is_changed
from tests.reporting.test_alerts import DOLLAR, spend

pytestmark = pytest.mark.django_db(transaction=True)


def test_deleting_an_alert_that_another_admin_deletes_meanwhile(team, clients):
    alert = services.spend_alert_create(
        account=team.account, actor=team.owner, scope="account", thresholds=[50_000_000]
    )
    response = while_row_is_changed(
        SpendAlert,
        alert.pk,
        lambda: services.spend_alert_delete(account=team.account, actor=team.owner, alert=alert),
        lambda: clients["admin"].post(
            reverse("reporting:alert_delete", args=[alert.pk]), follow=True
        ),
    )
    assert response.status_code == 200
    assert "already deleted" in response.content.decode()
    assert not SpendAlert.objects.filter(pk=alert.pk).exists()
    assert AuditEvent.objects.filter(action="alert.delete").count() == 1


def test_an_alert_raised_above_the_spend_while_the_check_runs_does_not_fire(team):
    alert = services.spend_alert_create(
        account=team.account, actor=team.owner, scope="account", thresholds=[DOLLAR]
    )
    spend(team.account, 3, "raced")
    fired = while_row_is_changed(
        SpendAlert,
        alert.pk,
        lambda: services.spend_alert_update(
            account=team.account,
            actor=team.owner,
            alert=alert,
            scope="account",
            kind=alert.kind,
            thresholds=[100 * DOLLAR],
        ),
        lambda: services.spend_alerts_check(now=datetime(2026, 9, 10, 13, tzinfo=UTC)),
    )
    assert fired == 0
    assert not SpendAlertFiring.objects.exists()
    assert mail.outbox == []
