"""Requests a minute per /v2 key, from the plan table (C3)."""

import logging
import time
import uuid

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from accounts.plans import PlanCode, get_plan
from apikeys.models import ApiKey
from tests.transcripts.api_support import make_key

pytestmark = pytest.mark.django_db

MISSING = f"/v2/transcript/{uuid.uuid4()}"


def _get(auth: dict):
    return Client().get(MISSING, **auth)


def _first_of_a_window(auth: dict):
    """The key's first request, made where the minute has time left for the whole test."""
    response = _get(auth)
    reset = int(response["X-RateLimit-Reset"])
    if reset < 10:
        time.sleep(reset + 1)
        response = _get(auth)
    return response


def test_every_answer_says_where_the_key_stands(api_world):
    limit = get_plan(PlanCode.CONTRACTED).api_requests_per_minute
    first = _get(api_world.auth())
    assert first.status_code == 404
    assert first["X-RateLimit-Limit"] == str(limit)
    assert first["X-RateLimit-Remaining"] == str(limit - 1)
    assert 1 <= int(first["X-RateLimit-Reset"]) <= 60
    listed = Client().get("/v2/transcript", **api_world.auth())
    assert listed.status_code == 200
    assert listed["X-RateLimit-Remaining"] == str(limit - 2)
    # A refusal (here by the key's allowlist) counts too, and says so.
    ApiKey.objects.filter(pk=api_world.key.pk).update(allowed_ips=["203.0.113.0/24"])
    forbidden = Client().get("/v2/transcript", REMOTE_ADDR="198.51.100.7", **api_world.auth())
    assert forbidden.status_code == 403
    assert forbidden["X-RateLimit-Remaining"] == str(limit - 3)
    # No key, nothing counted: no headers.
    assert "X-RateLimit-Limit" not in Client().get("/v2/transcript").headers


def test_the_request_past_the_plans_rate_is_429_and_only_for_that_key(api_world):
    project = api_world.foreign  # of an account on Free
    _, secret = make_key(project, "Busy")
    _, other_secret = make_key(project, "Quiet")
    busy, quiet = {"HTTP_AUTHORIZATION": secret}, {"HTTP_AUTHORIZATION": other_secret}
    limit = get_plan(PlanCode.FREE).api_requests_per_minute

    statuses = [_first_of_a_window(busy).status_code]
    statuses += [_get(busy).status_code for _ in range(limit - 1)]
    assert statuses == [404] * limit
    refused = Client().post("/v2/transcript", {}, content_type="application/json", **busy)
    assert refused.status_code == 429
    assert "120 requests a minute on the Free plan" in refused.json()["error"]
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["X-RateLimit-Limit"] == str(limit)
    assert refused["X-RateLimit-Remaining"] == "0"
    assert refused["X-RateLimit-Reset"] == refused["Retry-After"]
    # The other key of the same project is counted on its own.
    other = _get(quiet)
    assert other.status_code == 404
    assert other["X-RateLimit-Remaining"] == str(limit - 1)


def test_with_redis_down_requests_are_served_uncounted_and_logged(api_world, caplog):
    closed = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    with override_settings(CACHES=closed), caplog.at_level(logging.WARNING):
        response = Client().get("/v2/transcript", **api_world.auth())
    assert response.status_code == 200
    assert response["X-RateLimit-Limit"] == str(
        get_plan(PlanCode.CONTRACTED).api_requests_per_minute
    )
    assert "X-RateLimit-Remaining" not in response.headers
    assert "Rate limit cache unavailable" in caplog.text


def test_the_billing_page_shows_the_plans_rate_and_concurrency(clients):
    content = clients["admin"].get(reverse("reporting:billing")).content.decode()
    assert 'id="plan-rate">1200 a minute per key<' in content
    assert 'id="plan-concurrency">200, more wait queued<' in content
