"""A Redis outage does not take the login page down (config/cache.py)."""

import os
import uuid

import pytest
import redis
from django.core.cache import cache, caches
from django.test import Client

from tests.factories import PASSWORD, account_with_owner

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings):
    # A real Redis address nothing listens on.
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def test_the_cache_answers_misses_while_redis_is_down(redis_down, caplog):
    assert cache.get("anything", "fallback") == "fallback"
    cache.set("anything", 1)
    assert cache.add("lock", True) is True
    assert cache.get_many(["a", "b"]) == {}
    assert "Cache unavailable" in caplog.text


def test_people_still_log_in_while_redis_is_down(redis_down):
    owner = account_with_owner(name="Acme").user
    response = Client().post(
        "/auth/login/", {"login": owner.email, "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.context["user"].is_authenticated


@pytest.fixture
def redis_up(settings):
    """The cache as settings build it from REDIS_URL (the test's own Redis when unset)."""
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/1"
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "console-test",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    return redis.Redis.from_url(url)


def test_the_cache_works_when_redis_is_up(redis_up, caplog):
    key = f"cache-test-{uuid.uuid4().hex}"
    assert type(caches["default"]).__name__ == "ForgivingRedisCache"
    cache.set(key, {"n": 1}, 30)
    try:
        assert cache.get(key) == {"n": 1}
        # Stored in Redis itself, with its timeout, not only in this process.
        assert 0 < redis_up.ttl(cache.make_key(key)) <= 30
    finally:
        cache.delete(key)
    assert redis_up.exists(cache.make_key(key)) == 0
    assert "Cache unavailable" not in caplog.text
