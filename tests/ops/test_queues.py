"""Two Celery queues (E2): transcription on its own, everything else on the default one.

The messages are sent to the real Redis broker and read back from its lists,
so that a task routed anywhere else fails here.
"""

import base64
import json
import os
import uuid

import pytest
import redis

from config.celery import app
from reporting import tasks as reporting_tasks
from transcripts import tasks as transcript_tasks
from transcripts import worker as transcript_worker

QUEUES = ("transcription", "default")


@pytest.fixture
def broker():
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.fail("The queue tests need Redis: set REDIS_URL (scripts/test does).")
    assert app.conf.broker_url == url
    client = redis.Redis.from_url(url)
    # SECURITY: only this test's own database number on the test Redis.
    client.delete(*QUEUES)
    yield client
    client.delete(*QUEUES)


def _task_names(client, queue: str) -> list[str]:
    names = []
    for raw in client.lrange(queue, 0, -1):
        message = json.loads(raw)
        names.append(message["headers"]["task"])
        body = json.loads(base64.b64decode(message["body"]))
        assert isinstance(body, list)
    return names


def test_transcription_lands_on_its_own_queue_and_usage_folding_on_the_default(broker):
    transcript_tasks.transcribe.delay(str(uuid.uuid4()))
    reporting_tasks.aggregate_usage.delay()
    reporting_tasks.check_spend_alerts.delay()
    reporting_tasks.close_invoices.delay()
    transcript_tasks.expire_stuck_transcripts.delay()

    assert _task_names(broker, "transcription") == ["transcripts.tasks.transcribe"]
    assert sorted(_task_names(broker, "default")) == [
        "reporting.tasks.aggregate_usage",
        "reporting.tasks.check_spend_alerts",
        "reporting.tasks.close_invoices",
        "transcripts.tasks.expire_stuck_transcripts",
    ]


def test_the_transcription_worker_sends_its_tasks_by_name_to_their_queues(broker):
    transcript_worker.transcription_enqueue(uuid.uuid4())
    transcript_worker.webhook_enqueue(uuid.uuid4())

    assert _task_names(broker, "transcription") == ["transcripts.tasks.transcribe"]
    assert _task_names(broker, "default") == ["transcripts.tasks.deliver_webhook"]


def test_the_beat_schedule_sends_nothing_to_the_transcription_queue(settings):
    routes = settings.CELERY_TASK_ROUTES
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        queue = routes.get(entry["task"], {}).get("queue", settings.CELERY_TASK_DEFAULT_QUEUE)
        assert queue == "default", entry["task"]
