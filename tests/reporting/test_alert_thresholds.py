"""Alerts with several thresholds, in dollars or percents of a spend limit, and on a limit
refusing a request: each fires once a month (C2, issue 13 deliverable 5)."""

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from reporting.alerts import services as alerts
from reporting.alerts.models import SpendAlertFiring
from reporting.limits.models import SpendLimit
from reporting.limits.services import spend_limit_note_refusal, spend_limit_set, spend_reserve
from reporting.limits.values import SpendLimitReached
from reporting.signals import spend_alert_fired, spend_limit_reached
from tests.reporting.test_alerts import DOLLAR, spend

pytestmark = pytest.mark.django_db

SEPT_20 = datetime(2026, 9, 20, 12, tzinfo=UTC)


@pytest.fixture
def fired_events():
    """What the apps above (webhooks) are told, as they are told it."""
    events = []

    def record(sender, *, account, data, **kwargs):
        events.append(data)

    spend_alert_fired.connect(record, dispatch_uid="test-fired-events")
    yield events
    spend_alert_fired.disconnect(dispatch_uid="test-fired-events")


def check(capture, now=SEPT_20) -> int:
    with capture(execute=True):
        return alerts.spend_alerts_check(now=now)


def limit_on(team, amount_dollars, *, project=None) -> SpendLimit:
    return SpendLimit.objects.create(
        account=team.account,
        scope=SpendLimit.Scope.PROJECT if project else SpendLimit.Scope.ACCOUNT,
        project=project,
        amount_micros=amount_dollars * DOLLAR,
    )


def create(team, **fields):
    fields.setdefault("scope", "account")
    return alerts.spend_alert_create(account=team.account, actor=team.admin, **fields)


def test_each_dollar_threshold_fires_once_a_month_as_spend_passes_it(
    team, django_capture_on_commit_callbacks, fired_events
):
    alert = create(team, thresholds=[50 * DOLLAR, 80 * DOLLAR, 100 * DOLLAR])
    spend(team.account, 60, "a")
    assert check(django_capture_on_commit_callbacks) == 1
    assert check(django_capture_on_commit_callbacks) == 0
    spend(team.account, 25, "b")
    assert check(django_capture_on_commit_callbacks) == 1
    assert check(django_capture_on_commit_callbacks) == 0
    firings = SpendAlertFiring.objects.filter(alert=alert).order_by("fired_at", "id")
    assert [(f.threshold, f.spend_micros) for f in firings] == [
        (str(50 * DOLLAR), 60 * DOLLAR),
        (str(80 * DOLLAR), 85 * DOLLAR),
    ]
    assert len(mail.outbox) == 2
    assert "over $50.00" in mail.outbox[0].subject and "over $80.00" in mail.outbox[1].subject
    assert [e["thresholds_crossed"] for e in fired_events] == [["$50.00"], ["$80.00"]]
    assert fired_events[1]["text"].startswith("Spend alert for Acme: Whole account has spent")
    # Next month all three are armed again.
    spend(team.account, 120, "c", at=datetime(2026, 10, 3, tzinfo=UTC))
    assert check(django_capture_on_commit_callbacks, datetime(2026, 10, 4, tzinfo=UTC)) == 1
    assert SpendAlertFiring.objects.filter(period="2026-10-01").count() == 3


def test_thresholds_passed_at_once_fire_together_in_one_message_about_the_highest(
    team, django_capture_on_commit_callbacks, fired_events
):
    create(team, thresholds=[10 * DOLLAR, 20 * DOLLAR, 300 * DOLLAR])
    spend(team.account, 25, "a")
    assert check(django_capture_on_commit_callbacks) == 1
    assert sorted(SpendAlertFiring.objects.values_list("threshold", flat=True)) == [
        str(10 * DOLLAR),
        str(20 * DOLLAR),
    ]
    assert len(mail.outbox) == 1 and "over $20.00" in mail.outbox[0].subject
    assert fired_events[0]["thresholds_crossed"] == ["$10.00", "$20.00"]


def test_percent_thresholds_are_shares_of_the_limit_on_what_the_alert_watches(
    team, clients, django_capture_on_commit_callbacks
):
    production = team.account.projects.create(name="Production")
    on_account = create(team, basis="limit_percent", thresholds=[50, 80, 100])
    on_project = create(
        team, scope="project", project=production, basis="limit_percent", thresholds=[50]
    )
    spend(team.account, 30, "a", project=production)
    # No limit yet: they wait, and the page says so.
    assert check(django_capture_on_commit_callbacks) == 0
    page = clients["reader"].get(reverse("reporting:alerts")).content.decode()
    assert page.count("No spend limit on what it watches") == 2
    limit_on(team, 50)
    limit_on(team, 200, project=production)
    page = clients["reader"].get(reverse("reporting:alerts")).content.decode()
    assert "50 %, 80 %, 100 % of the $50.00 limit" in page
    assert "50 % of the $200.00 limit" in page
    # $30 is 60 % of the account's $50 limit and 15 % of the project's $200 limit.
    assert check(django_capture_on_commit_callbacks) == 1
    firing = SpendAlertFiring.objects.get()
    assert (firing.alert, firing.threshold, firing.threshold_micros) == (
        on_account,
        "50%",
        25 * DOLLAR,
    )
    assert "over 50 % of its $50.00 spend limit" in mail.outbox[0].subject
    spend(team.account, 75, "b", project=production)
    assert check(django_capture_on_commit_callbacks) == 2
    assert set(SpendAlertFiring.objects.values_list("alert", "threshold")) == {
        (on_account.pk, "50%"),
        (on_account.pk, "80%"),
        (on_account.pk, "100%"),
        (on_project.pk, "50%"),
    }


def test_a_limit_refusing_a_request_fires_the_alerts_covering_it_once_a_month(
    team, django_capture_on_commit_callbacks, fired_events
):
    production = team.account.projects.create(name="Production")
    staging = team.account.projects.create(name="Staging")
    on_account = create(team, thresholds=[1000 * DOLLAR], on_limit_reached=True)
    on_production = create(
        team, scope="project", project=production, thresholds=[DOLLAR], on_limit_reached=True
    )
    on_staging = create(
        team, scope="project", project=staging, thresholds=[DOLLAR], on_limit_reached=True
    )
    quiet = create(team, thresholds=[DOLLAR])
    limit = limit_on(team, 40, project=production)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            spend_limit_reached.send(
                sender=SpendLimit, account=team.account, data={"limit_id": limit.pk}
            )
    firings = SpendAlertFiring.objects.filter(threshold=f"limit:{limit.pk}")
    assert sorted(f.alert_id for f in firings) == sorted([on_account.pk, on_production.pk])
    assert not SpendAlertFiring.objects.filter(alert__in=[on_staging, quiet]).exists()
    assert len(mail.outbox) == 2
    assert "The monthly spend limit of $40.00 for project Production is reached" in (
        mail.outbox[0].subject
    )
    assert {e["kind"] for e in fired_events} == {"limit_reached"}
    # Their thresholds are still armed: "limit reached" is a firing of its own.
    spend(team.account, 2, "a", project=production)
    assert check(django_capture_on_commit_callbacks) == 2
    assert set(
        SpendAlertFiring.objects.exclude(threshold__startswith="limit:").values_list(
            "alert", flat=True
        )
    ) == {on_production.pk, quiet.pk}


def test_a_real_refusal_fires_the_limit_reached_alert_once(
    team, django_capture_on_commit_callbacks
):
    alert = create(team, thresholds=[1000 * DOLLAR], on_limit_reached=True)
    spend_limit_set(account=team.account, actor=team.owner, amount_micros=5 * DOLLAR)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            try:
                with transaction.atomic():
                    spend_reserve(
                        account_id=team.account.pk,
                        project_id=None,
                        api_key_id=None,
                        amount_micros=6 * DOLLAR,
                        kind="authorization",
                    )
            except SpendLimitReached as refused:
                spend_limit_note_refusal(refused)
    assert SpendAlertFiring.objects.get().alert == alert
    assert [m.subject for m in mail.outbox] == [
        "[Speech console] Spend alert for Acme: "
        "The monthly spend limit of $5.00 for account Acme is reached"
    ]
