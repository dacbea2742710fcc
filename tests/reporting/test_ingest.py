"""POST /internal/usage/events and the streaming session endpoints (API2, U3)."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from reporting.models import StreamingSession, UsageEvent, UsageRollup
from reporting.usage.services import (
    STREAMING_MAX_SECONDS,
    streaming_sessions_expire,
    usage_aggregate,
)

TOKEN = "test-service-token"
URL = "/internal/usage/events"


@pytest.fixture(autouse=True)
def service_token(settings):
    settings.INTERNAL_SERVICE_TOKEN = TOKEN


def post(path, body, token=TOKEN, raw=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = raw if raw is not None else json.dumps(body)
    return Client().post(path, data=data, content_type="application/json", **headers)


def event(world, key, **overrides):
    return {
        "idempotency_key": key,
        "account_id": world.account.pk,
        "project_id": world.production.pk,
        "api_key_id": world.prod_key.pk,
        "product": "llm_gateway",
        "model": "claude-haiku-4-5",
        "unit": "output_token",
        "quantity": 2000,
        "occurred_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        **overrides,
    }


def test_a_batch_is_recorded_and_replays_are_reported_as_duplicates(usage_world):
    batch = [event(usage_world, f"llm:{i}") for i in range(3)]
    first = post(URL, {"events": batch})
    assert first.status_code == 200, first.content
    assert first.json() == {"accepted": 3, "duplicates": 0, "duplicate_keys": []}
    again = post(URL, {"events": [*batch, event(usage_world, "llm:new")]})
    assert again.json()["accepted"] == 1
    assert again.json()["duplicate_keys"] == ["llm:0", "llm:1", "llm:2"]
    assert UsageEvent.objects.count() == 4
    assert UsageEvent.objects.get(idempotency_key="llm:0").cost_micros == 10_000  # $5 / M tokens


def test_one_bad_event_rejects_the_whole_batch_naming_index_and_field(usage_world):
    batch = [
        event(usage_world, "a"),
        event(usage_world, "b", quantity=-1),
        event(usage_world, "c", occurred_at="yesterday"),
    ]
    response = post(URL, {"events": batch})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [(1, "quantity"), (2, "occurred_at")]
    assert not UsageEvent.objects.exists()


def test_another_accounts_project_or_key_rejects_the_batch(usage_world):
    batch = [
        event(usage_world, "a"),
        event(usage_world, "b", api_key_id=usage_world.other_key.pk, project_id=None),
    ]
    response = post(URL, {"events": batch})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"index": 1, "field": "api_key_id", "message": "No such API key in this account."}
    ]
    assert not UsageEvent.objects.exists()


def test_floats_are_read_as_decimals_and_billed_per_whole_second(usage_world):
    body = {
        "events": [
            event(
                usage_world, "stt", product="speech_to_text", model="nano", unit=None, quantity=1.5
            )
        ]
    }
    body["events"][0].pop("unit")
    assert post(URL, body).status_code == 200
    assert UsageEvent.objects.get().quantity == 2


@pytest.mark.parametrize("token", [None, "wrong-token", "Bearer"])
def test_a_missing_or_wrong_token_gets_401(usage_world, token):
    response = post(URL, {"events": [event(usage_world, "x")]}, token=token)
    assert response.status_code == 401
    assert not UsageEvent.objects.exists()


def test_an_api_key_or_a_session_is_no_service_token(usage_world, team, settings):
    from tests.conftest import login_client

    client = login_client(team.owner, team.account)
    response = client.post(URL, data=json.dumps({"events": []}), content_type="application/json")
    assert response.status_code == 401


def test_no_configured_token_lets_nobody_in(usage_world, settings):
    settings.INTERNAL_SERVICE_TOKEN = ""
    assert post(URL, {"events": [event(usage_world, "x")]}, token="").status_code == 401


def test_more_than_1000_events_is_413(usage_world):
    batch = [event(usage_world, f"k{i}") for i in range(1001)]
    response = post(URL, {"events": batch})
    assert response.status_code == 413
    assert "1000" in response.json()["error"]
    assert not UsageEvent.objects.exists()


def test_an_oversized_body_is_413(usage_world, settings):
    settings.USAGE_INGEST_MAX_BYTES = 1000
    response = post(URL, {"events": [event(usage_world, "x", metadata={"pad": "x" * 2000})]})
    assert response.status_code == 413


@pytest.mark.parametrize(
    "raw",
    ["not json", "[1, 2]", '{"events": "no"}', '{"events": []}', "[" * 100_000 + "]" * 100_000],
)
def test_malformed_bodies_get_400(usage_world, raw):
    assert post(URL, None, raw=raw).status_code == 400


def test_get_is_405_for_the_service(usage_world):
    response = Client().get(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 405


# Streaming sessions ------------------------------------------------------------


def open_session(world, **overrides):
    body = {
        "project_id": world.production.pk,
        "api_key_id": world.prod_key.pk,
        "model": "universal-streaming",
        **overrides,
    }
    return post("/internal/streaming/sessions", body)


def test_a_session_counts_nothing_until_closed_then_exactly_its_duration(usage_world):
    response = open_session(usage_world)
    assert response.status_code == 201
    session_id = response.json()["id"]
    StreamingSession.objects.filter(pk=session_id).update(
        opened_at=datetime.now(UTC) - timedelta(seconds=754)
    )
    usage_aggregate()
    assert not UsageEvent.objects.exists() and not UsageRollup.objects.exists()

    closed = post(f"/internal/streaming/sessions/{session_id}/close", {})
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    billed = closed.json()["billed_seconds"]
    assert 754 <= billed <= 757
    usage_aggregate()
    rollup = UsageRollup.objects.get()
    assert rollup.quantity == billed and rollup.events == 1
    assert rollup.project_id == usage_world.production.pk

    # Closing again changes nothing.
    post(f"/internal/streaming/sessions/{session_id}/close", {})
    usage_aggregate()
    assert UsageRollup.objects.get().quantity == billed


def test_sessions_open_over_three_hours_are_closed_and_billed_three_hours(usage_world):
    stale = open_session(usage_world).json()["id"]
    fresh = open_session(usage_world).json()["id"]
    StreamingSession.objects.filter(pk=stale).update(
        opened_at=datetime.now(UTC) - timedelta(hours=5)
    )
    assert streaming_sessions_expire() == 1
    usage_aggregate()
    assert UsageRollup.objects.get().quantity == STREAMING_MAX_SECONDS
    assert StreamingSession.objects.get(pk=fresh).closed_at is None
    assert StreamingSession.objects.get(pk=stale).closed_by_timeout


def test_a_session_needs_a_live_project_and_its_own_key(usage_world):
    assert open_session(usage_world, api_key_id=usage_world.staging_key.pk).status_code == 404
    assert open_session(usage_world, project_id=999_999).status_code == 404
    assert open_session(usage_world, model="nope").status_code == 400
    assert (
        post(
            "/internal/streaming/sessions/6a1f2d3e-0000-4000-8000-000000000000/close", {}
        ).status_code
        == 404
    )
    assert not StreamingSession.objects.exists()


def test_keys_models_and_metadata_are_stored_exactly_whatever_their_characters(usage_world):
    awkward = 'a "quoted" {braced}, back\\slash NULL ü'
    batch = [event(usage_world, awkward, metadata={"note": awkward, "n": 1})]
    assert post(URL, {"events": batch}).status_code == 200
    stored = UsageEvent.objects.get()
    assert stored.idempotency_key == awkward
    assert stored.metadata == {"note": awkward, "n": 1}
    assert post(URL, {"events": batch}).json()["duplicate_keys"] == [awkward]


@pytest.mark.parametrize(
    ("field", "value"),
    [("idempotency_key", "a\x00b"), ("model", "nano\x00"), ("metadata", {"note": "x\x00"})],
)
def test_a_nul_character_is_refused_by_name(usage_world, field, value):
    response = post(URL, {"events": [event(usage_world, "k", **{field: value})]})
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == field
    assert not UsageEvent.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("quantity", 10**30), ("account_id", 10**30), ("project_id", 10**30), ("api_key_id", 10**30)],
)
def test_numbers_beyond_the_columns_are_refused_by_name(usage_world, field, value):
    response = post(URL, {"events": [event(usage_world, "k", **{field: value})]})
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == field
    assert not UsageEvent.objects.exists()
