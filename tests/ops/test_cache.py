"""A Redis outage does not take the login page down (config/cache.py)."""

import pytest
from django.core.cache import cache
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


def test_the_cache_works_when_redis_is_up():
    cache.set("console-test-key", {"n": 1}, 30)
    assert cache.get("console-test-key") == {"n": 1}
    from django.core.cache import caches

    assert type(caches["default"]).__name__ == "ForgivingRedisCache"
