"""Requests a minute per key (C3), counted in Redis by django-ratelimit.

The counters live in the `ratelimit` cache (RATELIMIT_USE_CACHE), which, unlike
the default cache, lets a Redis outage through to here: a request is then
served uncounted and a warning logged, as login throttling does while Redis is
down (config/cache.py), rather than refused or failed.
"""

import logging
from dataclasses import dataclass

from django.http import HttpRequest
from django_ratelimit.core import get_usage
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class RateCount:
    """Where one key stands in its current minute; `counted` False when the cache was down."""

    limit: int
    used: int = 0
    reset: int = WINDOW_SECONDS
    counted: bool = True

    @property
    def exceeded(self) -> bool:
        return self.counted and self.used > self.limit

    @property
    def retry_after(self) -> int:
        """Seconds until the key's window starts again (at least 1)."""
        return max(1, self.reset)

    def headers(self) -> dict[str, str]:
        """X-RateLimit-Limit, and, when counted, -Remaining and -Reset (seconds from now)."""
        if not self.counted:
            return {"X-RateLimit-Limit": str(self.limit)}
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.limit - self.used)),
            "X-RateLimit-Reset": str(self.retry_after),
        }


def count_request(request: HttpRequest, *, group: str, key: str, limit: int) -> RateCount:
    """Count one request of `key` in `group` against `limit` a minute."""
    try:
        usage = get_usage(
            request,
            group=group,
            key=lambda _group, _request: key,
            rate=f"{limit}/m",
            increment=True,
        )
    except (RedisConnectionError, RedisTimeoutError) as error:
        logger.warning("Rate limit cache unavailable, %s not counted: %s", group, error)
        return RateCount(limit, counted=False)
    if usage is None:
        # Rate limiting switched off (RATELIMIT_ENABLE), or the count was lost.
        return RateCount(limit, counted=False)
    return RateCount(limit, used=usage["count"], reset=int(usage["time_left"]))
