"""Spend alerts (U5): once per alert per month, the pace rule, current members only, bad input."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Membership
from reporting.alerts import services as alerts
from reporting.alerts.values import MAX_ALERTS_PER_ACCOUNT
from reporting.models import SpendAlert, SpendAlertFiring
from reporting.usage.services import usage_aggregate, usage_events_record
from reporting.usage.values import NewUsageEvent

pytestmark = pytest.mark.django_db

DOLLAR = 1_000_000
SEPT_10 = datetime(2026, 9, 10, 12, tzinfo=UTC)


def spend(account, dollars: int, key: str, *, at=SEPT_10, project=None, product="nano"):
    """Counted usage worth exactly `dollars` (nano hours at $0.12, or gpt-4.1 output tokens)."""
    if product == "nano":
        event = dict(product="speech_to_text", model="nano", quantity=3600 * dollars * 25 // 3)
    else:  # $8 per million output tokens
        event = dict(
            product="llm_gateway", model="gpt-4.1", unit="output_token", quantity=125_000 * dollars
        )
    usage_events_record(
        events=[
            NewUsageEvent(
                account_id=account.pk,
                project_id=project.pk if project else None,
                occurred_at=at,
                idempotency_key=key,
                **event,
            )
        ]
    )
    usage_aggregate()


def create(team, actor=None, **fields):
    fields.setdefault("scope", "account")
    fields.setdefault("thresholds", [100 * DOLLAR])
    return alerts.spend_alert_create(account=team.account, actor=actor or team.admin, **fields)


def emails_to():
    return sorted(address for message in mail.outbox for address in message.to)


# Once per period ------------------------------------------------------------------


def test_an_alert_fires_once_per_month_across_beat_runs_and_again_next_month(
    team, django_capture_on_commit_callbacks
):
    alert = create(team, thresholds=[100 * DOLLAR])
    spend(team.account, 60, "a")
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts.spend_alerts_check(now=datetime(2026, 9, 20, tzinfo=UTC)) == 0
    spend(team.account, 45, "b", at=datetime(2026, 9, 21, tzinfo=UTC))
    for hour in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            alerts.spend_alerts_check(now=datetime(2026, 9, 22, hour, tzinfo=UTC))
    assert SpendAlertFiring.objects.filter(alert=alert).count() == 1
    assert len(mail.outbox) == 1
    assert emails_to() == ["admin@acme.test", "owner@acme.test"]
    assert "$105.00" in mail.outbox[0].subject and "$100.00" in mail.outbox[0].subject

    # October starts from zero; crossing again fires again, once.
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts.spend_alerts_check(now=datetime(2026, 10, 2, tzinfo=UTC)) == 0
    spend(team.account, 101, "c", at=datetime(2026, 10, 3, tzinfo=UTC))
    for day in (4, 5, 6):
        with django_capture_on_commit_callbacks(execute=True):
            alerts.spend_alerts_check(now=datetime(2026, 10, day, tzinfo=UTC))
    periods = list(
        SpendAlertFiring.objects.filter(alert=alert)
        .order_by("period")
        .values_list("period", flat=True)
    )
    assert [p.month for p in periods] == [9, 10]
    assert len(mail.outbox) == 2


def test_a_new_threshold_fires_on_its_own_changing_recipients_re_arms_nothing(
    team, django_capture_on_commit_callbacks
):
    alert = create(team, thresholds=[100 * DOLLAR])
    spend(team.account, 120, "a")
    sept_20 = datetime(2026, 9, 20, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts.spend_alerts_check(now=sept_20) == 1

    def update(**changes):
        fields = dict(scope="account", thresholds=alert.thresholds, kind=alert.kind)
        return alerts.spend_alert_update(
            account=team.account, actor=team.admin, alert=alert, **{**fields, **changes}
        )

    # Only the recipients change: still fired for September.
    update(all_managers=False, recipients=[Membership.objects.get(user=team.reader)])
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts.spend_alerts_check(now=sept_20) == 0
    # A higher threshold is new: quiet until spend reaches it, then once.
    alert = update(thresholds=[200 * DOLLAR], all_managers=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts.spend_alerts_check(now=sept_20) == 0
    spend(team.account, 90, "b", at=datetime(2026, 9, 21, tzinfo=UTC))
    for hour in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            alerts.spend_alerts_check(now=datetime(2026, 9, 22, hour, tzinfo=UTC))
    firings = SpendAlertFiring.objects.filter(alert=alert).order_by("fired_at")
    assert [(f.threshold, f.spend_micros) for f in firings] == [
        (str(100 * DOLLAR), 120 * DOLLAR),
        (str(200 * DOLLAR), 210 * DOLLAR),
    ]
    assert len(mail.outbox) == 2 and "$210.00" in mail.outbox[1].subject


def test_the_aggregation_task_checks_alerts_right_after_counting(
    team, django_capture_on_commit_callbacks
):
    from reporting.tasks import aggregate_usage

    create(team, thresholds=[2 * DOLLAR])
    usage_events_record(
        events=[
            NewUsageEvent(
                account_id=team.account.pk,
                product="speech_to_text",
                model="nano",
                quantity=3600 * 25,
                occurred_at=timezone.now() - timedelta(minutes=1),
                idempotency_key="now",
            )
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert aggregate_usage.apply().get() == 1
        assert aggregate_usage.apply().get() == 0
    assert SpendAlertFiring.objects.count() == 1
    assert len(mail.outbox) == 1


def test_scopes_count_only_their_product_or_project(team):
    production = team.account.projects.create(name="Production")
    staging = team.account.projects.create(name="Staging")
    on_llm = create(team, scope="product", product=3, thresholds=[10 * DOLLAR])
    on_speech = create(team, scope="product", product=1, thresholds=[10 * DOLLAR])
    on_staging = create(team, scope="project", project=staging, thresholds=[5 * DOLLAR])
    on_production = create(team, scope="project", project=production, thresholds=[5 * DOLLAR])
    spend(team.account, 12, "llm", product="llm", project=production)
    spend(team.account, 3, "speech", project=staging)
    # Another account's spend counts for nothing here.
    spend(team.outsider_account, 500, "theirs")
    alerts.spend_alerts_check(now=datetime(2026, 9, 15, tzinfo=UTC))
    fired = set(SpendAlertFiring.objects.values_list("alert_id", flat=True))
    assert fired == {on_llm.pk, on_production.pk}
    assert on_speech.pk not in fired and on_staging.pk not in fired


# The pace rule ------------------------------------------------------------------------


def due(spent, now, threshold=100, kind="pace"):
    return alerts.alert_is_due(
        kind=kind, threshold_micros=threshold * DOLLAR, spend_micros=spent, now=now
    )


def test_pace_at_the_start_of_the_month():
    six_am = datetime(2026, 9, 1, 6, tzinfo=UTC)
    # $10 in six hours would be $1,200 a month, but a pace needs a day of data.
    assert alerts.pace_projection(spend_micros=10 * DOLLAR, now=six_am) is None
    assert not due(10 * DOLLAR, six_am)
    # Already over is over, pace or not.
    assert due(100 * DOLLAR, six_am)
    # After exactly one day of a 30-day month: x30.
    day_two = datetime(2026, 9, 2, tzinfo=UTC)
    assert alerts.pace_projection(spend_micros=3_340_000, now=day_two) == 100_200_000
    assert due(3_340_000, day_two)
    assert not due(3_330_000, day_two)


def test_pace_in_the_middle_of_the_month():
    half = datetime(2026, 9, 16, tzinfo=UTC)  # 15 of September's 30 days
    assert alerts.pace_projection(spend_micros=50 * DOLLAR, now=half) == 100 * DOLLAR
    # Exactly on track for the threshold is not over it; a micro-dollar more is.
    assert not due(50 * DOLLAR, half)
    assert due(50 * DOLLAR + 1, half)
    assert not due(50 * DOLLAR + 1, half, kind="threshold")
    # A 31-day month: 15.5 days is half.
    assert due(50 * DOLLAR + 1, datetime(2026, 10, 16, 12, tzinfo=UTC))
    assert not due(50 * DOLLAR, datetime(2026, 10, 16, 12, tzinfo=UTC))


def test_pace_at_the_end_of_the_month():
    last_second = datetime(2026, 9, 30, 23, 59, 59, tzinfo=UTC)
    projected = alerts.pace_projection(spend_micros=99_990_000, now=last_second)
    assert 99_990_000 < projected < 99_991_000
    assert not due(99_990_000, last_second)
    assert due(100 * DOLLAR, last_second)
    # A second later is October: nothing spent yet.
    assert not due(0, datetime(2026, 10, 1, tzinfo=UTC))


def test_a_pace_alert_fires_before_the_threshold_is_reached(
    team, django_capture_on_commit_callbacks
):
    create(team, kind="pace", thresholds=[100 * DOLLAR])
    spend(team.account, 60, "pace")
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts.spend_alerts_check(now=datetime(2026, 9, 16, tzinfo=UTC)) == 1
    firing = SpendAlertFiring.objects.get()
    assert firing.spend_micros == 60 * DOLLAR and firing.projected_micros == 120 * DOLLAR
    assert "on track to spend $120.00" in mail.outbox[0].subject


# Recipients ---------------------------------------------------------------------------


def membership(team, persona):
    return Membership.objects.get(account=team.account, user=team.user(persona))


def test_recipients_are_only_current_members(team, django_capture_on_commit_callbacks):
    from members.services import membership_remove

    chosen = create(
        team,
        all_managers=False,
        recipients=[membership(team, "reader"), membership(team, "admin")],
        thresholds=[DOLLAR],
    )
    everyone = create(team, thresholds=[2 * DOLLAR])
    membership_remove(account=team.account, actor=team.owner, membership=membership(team, "admin"))
    spend(team.account, 3, "r")
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts.spend_alerts_check(now=datetime(2026, 9, 12, tzinfo=UTC)) == 2
    by_alert = {f.alert_id: f.recipients for f in SpendAlertFiring.objects.all()}
    assert by_alert[chosen.pk] == ["reader@acme.test"]
    assert by_alert[everyone.pk] == ["owner@acme.test"]
    assert "admin@acme.test" not in emails_to()
    assert sorted(emails_to()) == ["owner@acme.test", "reader@acme.test"]
    assert list(chosen.recipients.all()) == [membership(team, "reader")]


def test_an_alert_whose_chosen_members_all_left_emails_nobody(team, clients):
    from members.services import membership_remove

    create(team, all_managers=False, recipients=[membership(team, "reader")], thresholds=[DOLLAR])
    membership_remove(account=team.account, actor=team.owner, membership=membership(team, "reader"))
    spend(team.account, 2, "x")
    alerts.spend_alerts_check(now=datetime(2026, 9, 12, tzinfo=UTC))
    assert SpendAlertFiring.objects.get().recipients == []
    assert not mail.outbox
    page = clients["admin"].get(reverse("reporting:alerts")).content.decode()
    assert "Nobody: its members were removed" in page


# Pages, audit and bad input -------------------------------------------------------------


def test_admin_creates_edits_and_deletes_through_the_pages_all_audited(team, clients):
    production = team.account.projects.create(name="Production")
    response = clients["admin"].post(
        reverse("reporting:alert_create"),
        {
            "scope": "project",
            "project": production.pk,
            "basis": "amount",
            "thresholds": "250.50",
            "kind": "pace",
            "notify": "chosen",
            "recipients": [membership(team, "reader").pk],
        },
    )
    assert response.status_code == 302
    alert = SpendAlert.objects.get()
    assert (alert.project, alert.thresholds, alert.kind) == (production, [250_500_000], "pace")
    assert not alert.all_managers
    response = clients["admin"].post(
        reverse("reporting:alert_edit", args=[alert.pk]),
        {
            "scope": "account",
            "basis": "amount",
            "thresholds": "$100, $300",
            "kind": "threshold",
            "notify": "managers",
        },
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.scope == "account" and alert.project is None and alert.all_managers
    assert not alert.recipients.exists()
    update = AuditEvent.objects.get(action="alert.update")
    assert update.metadata["thresholds"] == {"from": "$250.50", "to": "$100.00, $300.00"}
    assert (
        clients["owner"].post(reverse("reporting:alert_delete", args=[alert.pk])).status_code == 302
    )
    assert not SpendAlert.objects.exists()
    actions = set(AuditEvent.objects.filter(account=team.account).values_list("action", flat=True))
    assert {"alert.create", "alert.update", "alert.delete"} <= actions


def test_the_list_shows_last_fired_time_to_every_role(team, clients):
    create(team, thresholds=[DOLLAR])
    quiet = create(team, thresholds=[1000 * DOLLAR])
    spend(team.account, 2, "fired")
    alerts.spend_alerts_check(now=datetime(2026, 9, 12, tzinfo=UTC))
    SpendAlertFiring.objects.update(fired_at=datetime(2026, 9, 12, 8, 30, tzinfo=UTC))
    page = clients["reader"].get(reverse("reporting:alerts")).content.decode()
    assert "12 Sep 2026 08:30 UTC" in page
    assert f'id="alert-{quiet.pk}"' in page and "Never" in page
    # A Reader sees no buttons that would change them.
    assert reverse("reporting:alert_create") not in page
    assert reverse("reporting:alert_edit", args=[quiet.pk]) not in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"thresholds": "-10"}, "between $0.01 and $10000000.00 a month"),
        ({"thresholds": "0"}, "between $0.01 and $10000000.00 a month"),
        ({"thresholds": "99999999999"}, "between $0.01 and $10000000.00 a month"),
        ({"thresholds": "1e30"}, "between $0.01 and $10000000.00 a month"),
        ({"thresholds": "NaN"}, "has more than two decimals"),
        ({"thresholds": "ten"}, "“ten” is not a number."),
        ({"thresholds": "1.005"}, "has more than two decimals"),
        ({"thresholds": ""}, "Enter at least one threshold."),
        ({"thresholds": "100, 50"}, "List the thresholds from lowest to highest, each once."),
        ({"thresholds": "50, 50"}, "List the thresholds from lowest to highest, each once."),
        ({"thresholds": "1, 2, 3, 4, 5, 6"}, "An alert holds at most 5 thresholds."),
        ({"basis": "limit_percent", "thresholds": "50, 120"}, "between 1 and 100 percent"),
        ({"basis": "limit_percent", "thresholds": "50.5"}, "Enter percents as whole numbers"),
        ({"basis": "limit_percent", "scope": "product", "product": "1"}, "cannot watch a spend"),
        ({"on_limit_reached": "on", "scope": "product", "product": "1"}, "cannot watch a spend"),
        ({"basis": "cubits"}, "Choose dollars or percents of the spend limit."),
        ({"scope": "product"}, "Choose the product this alert watches."),
        ({"scope": "product", "product": "9"}, "Choose one of the products listed."),
        ({"scope": "project"}, "Choose one of this account&#x27;s projects."),
        ({"scope": "galaxy"}, "Choose the whole account, one product or one project."),
        ({"notify": "chosen"}, "Choose at least one member"),
    ],
)
def test_bad_input_gets_a_clear_message_and_creates_nothing(team, clients, data, message):
    form = {
        "scope": "account",
        "basis": "amount",
        "thresholds": "100",
        "kind": "threshold",
        "notify": "managers",
    }
    response = clients["admin"].post(reverse("reporting:alert_create"), {**form, **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "Nothing was saved" in response.content.decode()
    assert not SpendAlert.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="alert.").exists()


def test_a_foreign_project_or_member_is_refused_and_changes_nothing(team, clients):
    theirs = team.outsider_account.projects.create(name="Their project")
    alert = create(team, thresholds=[5 * DOLLAR])
    base = {"basis": "amount", "thresholds": "100", "kind": "threshold"}
    foreign_project = {**base, "scope": "project", "project": theirs.pk, "notify": "managers"}
    foreign_member = {
        **base,
        "scope": "account",
        "notify": "chosen",
        "recipients": [Membership.objects.get(user=team.outsider).pk],
    }
    for data, message in (
        (foreign_project, "Choose one of this account&#x27;s projects."),
        (foreign_member, "Recipients must be members of this account."),
    ):
        for url in (
            reverse("reporting:alert_create"),
            reverse("reporting:alert_edit", args=[alert.pk]),
        ):
            response = clients["admin"].post(url, data)
            assert response.status_code == 200
            assert message in response.content.decode()
    alert.refresh_from_db()
    assert SpendAlert.objects.count() == 1
    assert (alert.scope, alert.thresholds) == ("account", [5 * DOLLAR])
    # The service refuses them too, whatever the form does.
    with pytest.raises(ValidationError, match="this account's projects"):
        create(team, scope="project", project=theirs)
    with pytest.raises(ValidationError, match="members of this account"):
        create(team, all_managers=False, recipients=[Membership.objects.get(user=team.outsider)])
    # And another account's alert is a 404.
    other = alerts.spend_alert_create(
        account=team.outsider_account, actor=team.outsider, scope="account", thresholds=[DOLLAR]
    )
    for name in ("reporting:alert_edit", "reporting:alert_delete"):
        assert clients["admin"].post(reverse(name, args=[other.pk]), base).status_code == 404
    assert SpendAlert.objects.filter(pk=other.pk).exists()


def test_readers_cannot_change_alerts_even_through_the_service(team):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        create(team, actor=team.reader)
    alert = create(team)
    with pytest.raises(PermissionDenied):
        alerts.spend_alert_delete(account=team.account, actor=team.reader, alert=alert)
    assert SpendAlert.objects.filter(pk=alert.pk).exists()


def test_an_account_has_at_most_so_many_alerts(team):
    for _ in range(MAX_ALERTS_PER_ACCOUNT):
        create(team)
    with pytest.raises(ValidationError, match="at most 50 spend alerts"):
        create(team)
    assert SpendAlert.objects.count() == MAX_ALERTS_PER_ACCOUNT
