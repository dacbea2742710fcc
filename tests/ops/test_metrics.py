"""GET /metrics: Prometheus' text format behind METRICS_TOKEN, with the console's own gauges."""

import pytest
import redis
from django.conf import settings as django_settings
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from projects.models import Project
from reporting.usage.services import usage_aggregate, usage_event_record
from tests.reporting.support import hours_ago
from transcripts.models import Transcript

pytestmark = pytest.mark.django_db
TOKEN = "test-metrics-token"
QUEUE = "metrics-test-queue"


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def samples(response) -> dict:
    assert response["Content-Type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_without_a_token_configured_metrics_do_not_exist(settings):
    settings.METRICS_TOKEN = ""
    assert Client().get("/metrics").status_code == 404
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", TOKEN])
def test_metrics_need_the_bearer_token(token, header):
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = Client().get("/metrics", **extra)
    assert response.status_code == 401
    assert "console_" not in response.content.decode()


def test_metrics_report_the_consoles_gauges(token, team, record_event, settings):
    settings.CELERY_TASK_ROUTES = {"transcripts.tasks.transcribe": {"queue": QUEUE}}
    project = Project.objects.create(account=team.account, name="Metrics")
    for status in ["queued", "queued", "processing", "completed"]:
        Transcript.objects.create(project=project, audio_url="x", status=status)
    broker = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    broker.delete(QUEUE)
    broker.rpush(QUEUE, "a", "b", "c")
    try:
        record_event(team.account, "m:1")
        record_event(team.account, "m:2")
        before = samples(Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"))
        usage_aggregate()
        after = samples(Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"))
    finally:
        broker.delete(QUEUE)
    assert before[("console_database_up", ())] == 1
    assert before[("console_usage_pending_events", ())] == 2
    assert after[("console_usage_pending_events", ())] == 0
    assert 0 <= after[("console_usage_fold_lag_seconds", ())] < 60
    assert after[("console_transcripts", (("status", "queued"),))] == 2
    assert after[("console_transcripts", (("status", "processing"),))] == 1
    assert after[("console_transcripts", (("status", "error"),))] == 0
    assert after[("console_celery_broker_up", ())] == 1
    assert after[("console_celery_queue_length", (("queue", QUEUE),))] == 3
    default_queue = ("queue", settings.CELERY_TASK_DEFAULT_QUEUE)
    assert ("console_celery_queue_length", (default_queue,)) in after


@pytest.fixture
def record_event():
    def _record(account, key):
        usage_event_record(
            account=account,
            project=None,
            api_key=None,
            product="speech_to_text",
            model="best",
            quantity=60,
            occurred_at=hours_ago(1),
            idempotency_key=key,
        )

    return _record
