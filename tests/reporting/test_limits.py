"""Spend limits: set, clear, month-to-date spend counted exactly, reservations (C1)."""

import functools
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import AuditAction, AuditEvent
from reporting.limits import selectors, services
from reporting.limits.models import SpendLimit, SpendLimitNotice, SpendReservation
from reporting.limits.selectors import month_range
from reporting.limits.values import SpendLimitReached
from reporting.signals import spend_limit_reached
from reporting.usage.services import streaming_session_open, usage_aggregate

DOLLAR = 1_000_000
HOUR_OF_BEST = 370_000  # one hour of "best" at $0.37


@pytest.fixture
def record(record):
    """Usage of this very moment: a limit counts the calendar month's (UTC)."""
    return functools.partial(record, occurred_at=timezone.now())


def _reserve(world, amount, *, key=None, reference=None):
    with transaction.atomic():
        return services.spend_reserve(
            account_id=world.account.pk,
            project_id=world.production.pk,
            api_key_id=(key or world.prod_key).pk,
            amount_micros=amount,
            kind=SpendReservation.Kind.AUTHORIZATION,
            reference=reference,
        )


def test_set_change_and_clear_are_audited(usage_world, team):
    limit = services.spend_limit_set(
        account=team.account,
        actor=team.admin,
        amount_micros=50 * DOLLAR,
        project=usage_world.production,
    )
    assert limit.scope == SpendLimit.Scope.PROJECT
    assert selectors.live_limit(account=team.account, project=usage_world.production) == limit
    services.spend_limit_set(
        account=team.account,
        actor=team.owner,
        amount_micros=60 * DOLLAR,
        project=usage_world.production,
    )
    limit.refresh_from_db()
    assert limit.amount_micros == 60 * DOLLAR
    services.spend_limit_clear(
        account=team.account, actor=team.owner, project=usage_world.production
    )
    assert selectors.live_limit(account=team.account, project=usage_world.production) is None
    actions = list(
        AuditEvent.objects.for_account(team.account)
        .order_by("id")
        .values_list("action", "metadata")
    )
    assert [a for a, _ in actions] == [
        AuditAction.SPEND_LIMIT_SET,
        AuditAction.SPEND_LIMIT_SET,
        AuditAction.SPEND_LIMIT_CLEAR,
    ]
    assert actions[1][1]["from"] == "50.00" and actions[1][1]["amount"] == "60.00"
    assert actions[0][1]["target"] == "project Production"


@pytest.mark.parametrize("amount", [0, -DOLLAR, 10_000_001 * DOLLAR, "12", None, True])
def test_bad_amounts_change_nothing(team, amount):
    with pytest.raises(ValidationError) as caught:
        services.spend_limit_set(account=team.account, actor=team.owner, amount_micros=amount)
    assert "amount" in caught.value.message_dict
    assert not SpendLimit.objects.exists() and not AuditEvent.objects.exists()


def test_readers_and_outsiders_cannot_set(usage_world, team):
    with pytest.raises(PermissionDenied):
        services.spend_limit_set(account=team.account, actor=team.reader, amount_micros=DOLLAR)
    # SECURITY: someone of another account cannot set or clear this account's limits.
    with pytest.raises(PermissionDenied):
        services.spend_limit_set(account=team.account, actor=team.outsider, amount_micros=DOLLAR)
    with pytest.raises(PermissionDenied):
        services.spend_limit_clear(account=team.account, actor=team.outsider)
    with pytest.raises(ValidationError):
        # SECURITY: another account's project is not a target.
        services.spend_limit_set(
            account=team.account,
            actor=team.owner,
            amount_micros=DOLLAR,
            project=usage_world.other_project,
        )
    with pytest.raises(ValidationError):
        services.spend_limit_clear(account=team.account, actor=team.owner)
    assert not SpendLimit.objects.exists()


def test_month_spend_counts_folded_unfolded_and_reserved(usage_world, team, record):
    world = usage_world
    record(account=world.account, project=world.production, api_key=world.prod_key)
    usage_aggregate()
    record(account=world.account, project=world.production, api_key=world.prod_key)
    record(account=world.account, project=world.staging, api_key=world.staging_key)
    services.spend_limit_set(account=team.account, actor=team.owner, amount_micros=100 * DOLLAR)
    _reserve(world, 5 * DOLLAR)
    spends = selectors.month_spend(
        account_id=world.account.pk, project_id=world.production.pk, api_key_id=world.prod_key.pk
    )
    assert spends["account"].spent == 3 * HOUR_OF_BEST
    assert spends["project"].spent == 2 * HOUR_OF_BEST
    assert spends["api_key"].spent == 2 * HOUR_OF_BEST
    assert spends["account"].reserved == spends["api_key"].reserved == 5 * DOLLAR
    usage_aggregate()
    after = selectors.month_spend(
        account_id=world.account.pk, project_id=world.production.pk, api_key_id=world.prod_key.pk
    )
    assert after == spends


def test_a_limit_below_spend_refuses_at_once_and_tells_once(
    usage_world, team, record, django_capture_on_commit_callbacks
):
    world = usage_world
    record(account=world.account, project=world.production, api_key=world.prod_key)
    told = []

    def receiver(sender, account, data, **kwargs):
        told.append((account, data))

    spend_limit_reached.connect(receiver)
    try:
        limit = services.spend_limit_set(
            account=team.account,
            actor=team.owner,
            amount_micros=DOLLAR // 10,
            api_key=world.prod_key,
        )
        for _ in range(2):
            with pytest.raises(SpendLimitReached) as caught:
                _reserve(world, 1)
            assert str(caught.value) == (
                "The monthly spend limit of $0.10 for API key Prod key is reached"
            )
            with django_capture_on_commit_callbacks(execute=True):
                services.spend_limit_note_refusal(caught.value)
    finally:
        spend_limit_reached.disconnect(receiver)
    assert SpendLimitNotice.objects.filter(limit=limit).count() == 1
    assert len(told) == 1
    account, data = told[0]
    assert account == team.account
    assert data["limit_id"] == limit.pk and data["scope"] == "api_key"
    assert data["spent"] == "0.37" and data["amount"] == "0.10"
    assert "API key Prod key" in data["text"]
    # Another key of the project is not covered by it.
    assert _reserve(world, 1, key=world.staging_key) is None


def test_reservations_count_until_released(usage_world, team):
    world = usage_world
    services.spend_limit_set(
        account=team.account, actor=team.owner, amount_micros=DOLLAR, project=world.production
    )
    first = _reserve(world, DOLLAR // 2, reference="job:1")
    _reserve(world, DOLLAR // 2, reference="job:2")
    with pytest.raises(SpendLimitReached):
        _reserve(world, 1)
    assert services.spend_reservation_release(reference="job:1")
    assert _reserve(world, DOLLAR // 2) is not None
    first.refresh_from_db()
    assert first.status == SpendReservation.Status.RELEASED


def test_an_event_stamped_in_next_month_does_not_empty_this_months_count(usage_world, team, record):
    """A producer's clock a few minutes ahead at the end of a month (ingest takes up to
    5 minutes ahead) moves the limit's counter on; this month's spend still counts."""
    world = usage_world
    services.spend_limit_set(
        account=team.account, actor=team.owner, amount_micros=DOLLAR, project=world.production
    )
    record(
        account=world.account, project=world.production, api_key=world.prod_key, quantity=3 * 3600
    )
    with pytest.raises(SpendLimitReached):
        _reserve(world, 1)
    _start, end = month_range()
    record(
        account=world.account,
        project=world.production,
        api_key=world.prod_key,
        quantity=1,
        occurred_at=end + timedelta(minutes=1),
    )
    assert SpendLimit.objects.get().month == end.date()
    with pytest.raises(SpendLimitReached):
        _reserve(world, 1)


def test_producer_authorizations_no_event_settles_are_released_after_their_time(
    usage_world, team, settings
):
    world = usage_world
    services.spend_limit_set(
        account=team.account, actor=team.owner, amount_micros=DOLLAR, project=world.production
    )
    held = _reserve(world, DOLLAR)
    transcript_hold = SpendReservation.objects.create(
        account_id=world.account.pk,
        amount_micros=1,
        kind=SpendReservation.Kind.TRANSCRIPT,
        reference="transcript:kept",
    )
    with pytest.raises(SpendLimitReached):
        _reserve(world, 1)
    later = timezone.now() + timedelta(seconds=settings.SPEND_AUTHORIZATION_TTL - 60)
    assert services.spend_authorizations_expire(now=later) == 0
    later += timedelta(minutes=2)
    assert services.spend_authorizations_expire(now=later) == 1
    held.refresh_from_db()
    transcript_hold.refresh_from_db()
    # A transcript's hold ends with the transcript, never by age.
    assert (held.status, transcript_hold.status) == ("released", "open")
    assert _reserve(world, DOLLAR // 2) is not None


# Pages -------------------------------------------------------------------------


def test_owner_sets_changes_and_clears_limits_from_the_pages(usage_world, team, clients):
    world = usage_world
    owner = clients["owner"]
    response = owner.post(
        "/reporting/limits/set/",
        {"limit-target": f"project:{world.production.pk}", "limit-amount": "50"},
        follow=True,
    )
    assert "The monthly spend limit for project Production is $50.00." in response.content.decode()
    response = owner.post(
        "/reporting/limits/set/",
        {"limit-target": "account", "limit-amount": "1234.5", "limit-back": "billing"},
    )
    assert response.url == "/reporting/billing/"
    billing = owner.get("/reporting/billing/").content.decode()
    assert 'id="account-limit-amount">$1,234.50<' in billing
    page = owner.get("/reporting/limits/").content.decode()
    assert "Project Production" in page and 'id="limit-form"' in page
    # Clearing asks first: a dialog, or this page without JavaScript; nothing changes on GET.
    confirm_url = "/reporting/limits/clear/?limit-target=account&limit-back=billing"
    assert f'href="{confirm_url.replace("&", "&amp;")}"' in billing
    assert 'data-dialog="clear-limit-' in billing and "Clear the spend limit for account" in billing
    confirm = owner.get(confirm_url).content.decode()
    assert (
        "Clear the spend limit for account Acme?" in confirm and "$1,234.50 monthly cap" in confirm
    )
    assert 'href="/reporting/billing/">Cancel' in confirm
    assert selectors.live_limit(account=team.account) is not None
    assert clients["reader"].get(confirm_url).status_code == 403
    owner.post("/reporting/limits/clear/", {"limit-target": "account", "limit-back": "billing"})
    assert selectors.live_limit(account=team.account) is None
    # A limit cleared meanwhile: the confirm page says so rather than offering to clear nothing.
    gone = owner.get(confirm_url, follow=True).content.decode()
    assert "There is no spend limit to clear there." in gone
    assert selectors.live_limit(account=team.account, project=world.production) is not None


def test_readers_see_limits_and_spend_without_forms(usage_world, team, clients, record):
    world = usage_world
    services.spend_limit_set(
        account=team.account, actor=team.owner, amount_micros=DOLLAR, api_key=world.prod_key
    )
    record(account=world.account, project=world.production, api_key=world.prod_key)
    page = clients["reader"].get("/reporting/limits/").content.decode()
    assert "API key Prod key" in page
    assert "$1.00" in page and "$0.37" in page and "$0.63" in page
    assert "<form" not in page.split('id="spend-limits"')[1].split("</table>")[0]
    assert 'id="limit-form"' not in page
    assert (
        clients["reader"]
        .post("/reporting/limits/set/", {"limit-target": "account", "limit-amount": "5"})
        .status_code
        == 403
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"limit-target": "account", "limit-amount": "-5"}, "between $0.01 and $10000000.00"),
        ({"limit-target": "account", "limit-amount": "0"}, "between $0.01 and $10000000.00"),
        (
            {"limit-target": "account", "limit-amount": "10000000.01"},
            "between $0.01 and $10000000.00",
        ),
        ({"limit-target": "account", "limit-amount": "lots"}, "Enter an amount in dollars"),
        ({"limit-target": "account", "limit-amount": ""}, "Enter an amount in dollars"),
        ({"limit-target": "account", "limit-amount": "1.005"}, "at most two decimals"),
        (
            {"limit-target": "project:999999", "limit-amount": "5"},
            "Choose the account, one of its projects",
        ),
        ({"limit-amount": "5"}, "Choose the account, a project or an API key"),
    ],
)
def test_bad_input_on_the_page_is_a_message_and_changes_nothing(team, clients, data, message):
    response = clients["admin"].post("/reporting/limits/set/", data, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SpendLimit.objects.exists()


def test_another_accounts_project_is_not_a_target(usage_world, clients):
    response = clients["owner"].post(
        "/reporting/limits/set/",
        {"limit-target": f"project:{usage_world.other_project.pk}", "limit-amount": "5"},
        follow=True,
    )
    assert "Choose the account, one of its projects" in response.content.decode()
    assert not SpendLimit.objects.exists()


def test_open_streaming_sessions_show_what_they_may_still_add(usage_world, team, clients):
    world = usage_world
    services.spend_limit_set(account=team.account, actor=team.owner, amount_micros=DOLLAR)
    with transaction.atomic():
        session = streaming_session_open(project=world.production, model="universal-streaming")
        services.spend_reserve(
            account_id=world.account.pk,
            project_id=world.production.pk,
            api_key_id=None,
            amount_micros=450_000,
            kind=SpendReservation.Kind.STREAMING,
            reference=f"streaming:{session.pk}",
        )
    page = clients["reader"].get("/reporting/limits/").content.decode()
    assert "open streaming sessions may still add up to $0.45" in page
