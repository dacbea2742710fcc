"""Deleting a spend alert that another admin deletes meanwhile is a clear message, not a 500."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from reporting.alerts import services
from reporting.alerts.models import SpendAlert
from tests.races import while_row_is_changed

pytestmark = pytest.mark.django_db(transaction=True)


def test_deleting_an_alert_that_another_admin_deletes_meanwhile(team, clients):
    alert = services.spend_alert_create(
        account=team.account, actor=team.owner, scope="account", threshold_micros=50_000_000
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
