"""Redis as Django's cache, without making a Redis outage a reason for an error page.

Only allauth's login rate limits use the cache. While Redis is down they are not
enforced (reads miss, writes are dropped, each call logged) rather than every
login failing.
"""

import logging
from functools import wraps

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)


def _forgiving(method, fallback):
    @wraps(method)
    def call(self, *args):
        try:
            return method(self, *args)
        except (RedisConnectionError, RedisTimeoutError):
            logger.warning("Cache unavailable: %s skipped", method.__name__)
            return fallback(*args)

    return call


class ForgivingRedisCacheClient(RedisCacheClient):
    # What each call answers while Redis is down. `add` succeeds because allauth's
    # rate-limit lock waits until one does.
    add = _forgiving(RedisCacheClient.add, lambda key, value, timeout: True)
    get = _forgiving(RedisCacheClient.get, lambda key, default: default)
    set = _forgiving(RedisCacheClient.set, lambda key, value, timeout: None)
    touch = _forgiving(RedisCacheClient.touch, lambda key, timeout: False)
    delete = _forgiving(RedisCacheClient.delete, lambda key: False)
    get_many = _forgiving(RedisCacheClient.get_many, lambda keys: {})
    has_key = _forgiving(RedisCacheClient.has_key, lambda key: False)
    incr = _forgiving(RedisCacheClient.incr, lambda key, delta: delta)
    set_many = _forgiving(RedisCacheClient.set_many, lambda data, timeout: None)
    delete_many = _forgiving(RedisCacheClient.delete_many, lambda keys: None)
    clear = _forgiving(RedisCacheClient.clear, lambda: False)


class ForgivingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ForgivingRedisCacheClient
