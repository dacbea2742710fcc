"""Alerts made before several thresholds keep working (issue 13 deliverable 5)."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from reporting.alerts import services as alerts
from reporting.alerts.models import SpendAlert, SpendAlertFiring
from tests.reporting.test_alerts import DOLLAR, spend

pytestmark = pytest.mark.django_db(transaction=True)

SEPT_20 = datetime(2026, 9, 20, 12, tzinfo=UTC)


def test_existing_single_threshold_alerts_and_their_firings_survive_the_migration(team):
    executor = MigrationExecutor(connection)
    before = [("reporting", "0008_spend_limits_and_reservations")]
    after = executor.loader.graph.leaf_nodes("reporting")
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    OldAlert = old_apps.get_model("reporting", "SpendAlert")
    OldFiring = old_apps.get_model("reporting", "SpendAlertFiring")
    alert = OldAlert.objects.create(
        account_id=team.account.pk, scope="account", threshold_micros=75 * DOLLAR
    )
    OldFiring.objects.create(
        account_id=team.account.pk, alert=alert, period="2026-09-01", spend_micros=80 * DOLLAR
    )
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    migrated = SpendAlert.objects.get(pk=alert.pk)
    assert (migrated.basis, migrated.thresholds) == ("amount", [75 * DOLLAR])
    firing = SpendAlertFiring.objects.get(alert=migrated)
    assert (firing.threshold, firing.threshold_micros) == (str(75 * DOLLAR), 75 * DOLLAR)
    # Already fired for September: the migrated alert stays quiet until October.
    spend(team.account, 90, "a")
    assert alerts.spend_alerts_check(now=SEPT_20) == 0
    spend(team.account, 90, "b", at=datetime(2026, 10, 2, tzinfo=UTC))
    assert alerts.spend_alerts_check(now=datetime(2026, 10, 3, tzinfo=UTC)) == 1
