"""Junk at the internal endpoints: a 400/422 naming the event and field, never a 500.

Batches are all or none (as the API documents): one bad event rejects the batch,
the valid events of a later, clean batch are all counted.
"""

import json

import pytest
from django.test import Client
from django.urls import reverse

from reporting.models import UsageEvent
from tests.reporting.test_ingest import TOKEN, URL, event, post
from tests.test_access_matrix import ROWS, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def service_token(settings):
    settings.INTERNAL_SERVICE_TOKEN = TOKEN


BAD_FIELDS = [
    ("product", ["llm_gateway"]),
    ("product", {"a": 1}),
    ("occurred_at", "2026-02-30T00:00:00Z"),
    ("occurred_at", "2026-13-01T00:00:00Z"),
    ("occurred_at", "2026-01-01T25:00:00Z"),
    ("occurred_at", "2026-01-01T00:00:00+99:00"),
    ("occurred_at", "9999-12-31T23:59:59-23:59"),
    ("quantity", "1e9999999999999999999"),  # replaced by the raw number below
    ("metadata", "deep"),  # replaced by ~900 levels of nesting below
    ("model", ["x"]),
    ("idempotency_key", {"k": "v"}),
    ("account_id", 1e400),
]


def _body_with(world, field, value) -> str:
    good = event(world, "good")
    bad = event(world, "bad")
    body = json.dumps({"events": [good, {**bad, field: "__BAD__"}]})
    if field == "quantity":
        raw = "1e9999999999999999999"
    elif field == "metadata":
        raw = '{"a":' * 900 + "1" + "}" * 900
    elif field == "account_id":
        raw = "1e400"
    else:
        raw = json.dumps(value)
    return body.replace('"__BAD__"', raw)


@pytest.mark.parametrize(
    ("field", "value"), BAD_FIELDS, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD_FIELDS)]
)
def test_each_bad_field_is_a_422_naming_index_and_field(usage_world, field, value):
    response = post(URL, None, raw=_body_with(usage_world, field, value))
    assert response.status_code == 422, response.content[:300]
    assert response["Content-Type"] == "application/json"
    errors = response.json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [(1, field)]
    assert not UsageEvent.objects.exists()
    # The same valid event, sent alone, is counted.
    clean = post(URL, {"events": [event(usage_world, "good")]})
    assert clean.status_code == 200 and clean.json()["accepted"] == 1


JUNK_BODIES = [
    b"",
    b"[1, 2",
    b"null",
    b"[]",
    b'"text"',
    b"\xff\xfe\x00",
    b"[" * 5000 + b"]" * 5000,
    b'{"events": ' + b"[" * 900 + b"]" * 900 + b"}",
    b'{"events": {"a": 1}}',
    b'{"events": [null, 1, "x", [], {}]}',
    b'{"events": [{"occurred_at": "2026-02-30T00:00:00Z", "quantity": NaN}]}',
    b'{"events": [{"quantity": Infinity, "product": {}}]}',
    b'{"project_id": 1e9999, "model": [], "api_key_id": {}}',
    b'{"project_id": 99999999999999999999999, "model": "x"}',
    b'{"project_id": -1, "api_key_id": "1", "model": "\\u0000"}',
    json.dumps({"events": [{"idempotency_key": "k" * 10_000}]}).encode(),
]


@pytest.mark.parametrize("url_name", sorted(n for n in ROWS if n.startswith("internal:")))
def test_junk_at_every_internal_endpoint_is_never_a_server_error(url_name, team, settings):
    settings.INTERNAL_SERVICE_TOKEN = TOKEN
    row = ROWS[url_name]
    url = reverse(url_name, kwargs=row.kwargs(build_world(team)))
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}
    for body in JUNK_BODIES:
        response = client.post(url, body, content_type="application/json", **headers)
        assert response.status_code < 500, (url, body[:60], response.status_code)
        assert response["Content-Type"] == "application/json", (url, body[:60])
    for method in ("get", "put", "delete"):
        response = getattr(client, method)(url, **headers)
        assert response.status_code == 405
