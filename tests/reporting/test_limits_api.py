"""Producers under spend limits: /internal/usage/authorize, events that settle a
reservation, streaming sessions refused at open (C1)."""

import pytest

from reporting.limits import services as limits
from reporting.limits.models import SpendLimitNotice, SpendReservation
from reporting.models import StreamingSession, UsageEvent
from reporting.usage.services import streaming_sessions_expire
from tests.reporting.test_ingest import TOKEN, event, open_session, post

pytestmark = pytest.mark.django_db

CENT = 10_000  # 2,000 output tokens of claude-haiku-4-5
THREE_HOURS_STREAMING = 450_000  # $0.15 an hour


@pytest.fixture(autouse=True)
def service_token(settings):
    settings.INTERNAL_SERVICE_TOKEN = TOKEN


def authorize(world, **overrides):
    body = {
        "account_id": world.account.pk,
        "project_id": world.production.pk,
        "api_key_id": world.prod_key.pk,
        "product": "llm_gateway",
        "model": "claude-haiku-4-5",
        "unit": "output_token",
        "quantity": 2000,
        **overrides,
    }
    return post("/internal/usage/authorize", body)


def test_authorize_holds_the_estimate_until_an_event_settles_it(usage_world, team):
    world = usage_world
    limits.spend_limit_set(
        account=team.account, actor=team.owner, amount_micros=3 * CENT, project=world.production
    )
    first = authorize(world)
    assert first.status_code == 200
    body = first.json()
    assert body["allowed"] is True and body["amount_micros"] == CENT
    reservation = SpendReservation.objects.get(pk=body["reservation_id"])
    assert (reservation.status, reservation.kind) == ("open", "authorization")
    assert authorize(world, estimate_micros=2 * CENT).status_code == 200
    refused = authorize(world, estimate_micros=1)
    assert refused.status_code == 429
    assert refused.json()["allowed"] is False
    assert refused.json()["error"] == (
        "The monthly spend limit of $0.03 for project Production is reached"
    )
    assert refused.json()["limit"]["target_id"] == world.production.pk
    # The event settles the reservation (half the estimate used); a replay changes nothing.
    settling = event(world, "llm:1", quantity=1000, reservation_id=body["reservation_id"])
    for _ in range(2):
        assert post("/internal/usage/events", {"events": [settling]}).status_code == 200
    reservation.refresh_from_db()
    assert reservation.status == "settled"
    assert (reservation.settled_by, reservation.settled_micros) == ("llm:1", CENT // 2)
    assert UsageEvent.objects.count() == 1
    # Half a cent is free again.
    assert authorize(world, estimate_micros=CENT // 2).status_code == 200
    assert SpendLimitNotice.objects.count() == 1


def test_authorize_without_limit_still_returns_a_reservation(usage_world):
    response = authorize(usage_world, estimate_micros=123)
    assert response.status_code == 200
    assert SpendReservation.objects.get(pk=response.json()["reservation_id"]).amount_micros == 123


def test_a_released_reservation_stops_counting(usage_world, team):
    world = usage_world
    limits.spend_limit_set(account=team.account, actor=team.owner, amount_micros=CENT)
    held = authorize(world).json()["reservation_id"]
    assert authorize(world, estimate_micros=1).status_code == 429
    url = f"/internal/usage/reservations/{held}/release"
    # Named with its account, and only a producer's authorization.
    assert post(url, {}).status_code == 400
    assert post(url, {"account_id": team.outsider_account.pk}).status_code == 404
    release = post(url, {"account_id": team.account.pk})
    assert release.json() == {"id": held, "status": "released", "released": True}
    assert authorize(world).status_code == 200


def test_a_transcripts_hold_cannot_be_released_by_a_producer(usage_world, team):
    transcript_hold = SpendReservation.objects.create(
        account_id=team.account.pk,
        project_id=None,
        api_key_id=None,
        amount_micros=CENT,
        kind=SpendReservation.Kind.TRANSCRIPT,
        reference="transcript:probe",
    )
    url = f"/internal/usage/reservations/{transcript_hold.pk}/release"
    assert post(url, {"account_id": team.account.pk}).status_code == 404
    transcript_hold.refresh_from_db()
    assert transcript_hold.status == "open"


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"account_id": None}, 400, "account_id"),
        ({"account_id": "1"}, 400, "account_id"),
        ({"project_id": -1}, 400, "project_id"),
        ({"quantity": -5}, 400, "quantity"),
        ({"model": "nope"}, 400, "model"),
        ({"estimate_micros": 1.5}, 400, "estimate_micros"),
        ({"estimate_micros": True}, 400, "estimate_micros"),
    ],
)
def test_authorize_bad_input_is_named_and_holds_nothing(usage_world, overrides, status, field):
    response = authorize(usage_world, **overrides)
    assert response.status_code == status, response.content
    assert response.json()["field"] == field
    assert not SpendReservation.objects.exists()


def test_another_accounts_project_key_or_reservation_is_refused(usage_world):
    world = usage_world
    assert authorize(world, project_id=world.other_project.pk).status_code == 404
    assert authorize(world, project_id=None, api_key_id=world.other_key.pk).status_code == 404
    theirs = post(
        "/internal/usage/authorize", {"account_id": world.other_account.pk, "estimate_micros": 5}
    ).json()["reservation_id"]
    # SECURITY: an event of this account cannot settle another account's reservation.
    response = post(
        "/internal/usage/events", {"events": [event(world, "x:1", reservation_id=theirs)]}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reservation_id"
    assert not UsageEvent.objects.exists()
    assert SpendReservation.objects.get(pk=theirs).status == "open"


def test_a_streaming_session_is_refused_once_a_covering_limit_is_reached(usage_world, team):
    world = usage_world
    limits.spend_limit_set(
        account=team.account, actor=team.owner, amount_micros=CENT, api_key=world.prod_key
    )
    opened = open_session(world)
    assert opened.status_code == 201
    session = StreamingSession.objects.get(pk=opened.json()["id"])
    reservation = SpendReservation.objects.get(pk=session.reservation_id)
    assert (reservation.kind, reservation.amount_micros) == ("streaming", THREE_HOURS_STREAMING)
    # Its worst case is past the limit: the next one is refused at open.
    refused = open_session(world)
    assert refused.status_code == 429
    assert refused.json()["error"] == (
        "The monthly spend limit of $0.01 for API key Prod key is reached"
    )
    assert StreamingSession.objects.count() == 1
    # Closed, it holds only what it used.
    post(f"/internal/streaming/sessions/{session.pk}/close", {})
    reservation.refresh_from_db()
    assert reservation.status == "settled"
    assert reservation.settled_micros == UsageEvent.objects.get().cost_micros
    assert open_session(world).status_code == 201


def test_a_session_closed_by_the_timeout_settles_its_reservation(usage_world, team):
    world = usage_world
    limits.spend_limit_set(account=team.account, actor=team.owner, amount_micros=CENT)
    session_id = open_session(world).json()["id"]
    StreamingSession.objects.filter(pk=session_id).update(
        opened_at=StreamingSession.objects.get(pk=session_id).opened_at.replace(year=2000)
    )
    assert streaming_sessions_expire() == 1
    assert SpendReservation.objects.get().status == "settled"
