"""GET /metrics: the console's gauges in Prometheus' text format, behind METRICS_TOKEN."""

import hmac
import logging

import redis
from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from reporting.usage.selectors import pending_usage_summary
from transcripts.selectors import transcript_status_counts

logger = logging.getLogger(__name__)


def celery_queues() -> list[str]:
    """The Celery queues whose lengths are reported: the default one and any routed to."""
    queues = {getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")}
    for route in getattr(settings, "CELERY_TASK_ROUTES", {}).values():
        if isinstance(route, dict) and route.get("queue"):
            queues.add(route["queue"])
    return sorted(queues)


def _queue_lengths() -> dict[str, int] | None:
    """Messages waiting in each Celery queue (Redis lists); None without a Redis broker."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return None
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        with client.pipeline(transaction=False) as pipe:
            for queue in celery_queues():
                pipe.llen(queue)
            return dict(zip(celery_queues(), pipe.execute(), strict=True))
    except redis.RedisError:
        logger.warning("metrics: the Celery broker did not answer")
        return None
    finally:
        client.close()


class ConsoleCollector(Collector):
    """Read at each scrape from the database and the broker, so every web process agrees."""

    def collect(self):
        up = GaugeMetricFamily("console_database_up", "1 when the database answered this scrape.")
        try:
            pending, lag = pending_usage_summary()
            statuses = transcript_status_counts()
        except DatabaseError:
            logger.warning("metrics: the database did not answer")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily(
            "console_usage_pending_events", "Usage events not yet folded into rollups.", pending
        )
        if lag is not None:
            yield GaugeMetricFamily(
                "console_usage_fold_lag_seconds",
                "Seconds since an aggregation pass last left no event behind.",
                lag,
            )
        transcripts = GaugeMetricFamily(
            "console_transcripts", "Transcripts by status.", labels=["status"]
        )
        for status, count in statuses.items():
            transcripts.add_metric([status], count)
        yield transcripts
        lengths = _queue_lengths()
        broker = GaugeMetricFamily("console_celery_broker_up", "1 when the Redis broker answered.")
        broker.add_metric([], 0 if lengths is None else 1)
        yield broker
        if lengths is not None:
            queues = GaugeMetricFamily(
                "console_celery_queue_length",
                "Messages waiting in a Celery queue.",
                labels=["queue"],
            )
            for queue, length in lengths.items():
                queues.add_metric([queue], length)
            yield queues


def _authorized(request) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    expected = settings.METRICS_TOKEN
    return scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), expected.encode()
    )


@never_cache
def metrics(request):
    """404 while METRICS_TOKEN is unset, 401 without it, else the gauges."""
    # SECURITY: operators' numbers span every account; no token configured, no endpoint.
    if not settings.METRICS_TOKEN:
        raise Http404
    if not _authorized(request):
        response = HttpResponse(
            "A bearer token is required.\n", status=401, content_type="text/plain"
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ConsoleCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
