"""Celery tasks of transcripts: thin wrappers around `transcripts.worker` and
`transcripts.housekeeping`, which hold the state changes.

Their names (`transcripts.tasks.<function>`) are in settings' routes and beat
schedule and in queued messages: keep them.
"""

import logging
from typing import Any

from celery import Task, shared_task
from celery.exceptions import TimeLimitExceeded
from celery.signals import task_failure
from celery.worker.request import Request
from django.conf import settings

from transcripts.housekeeping import (
    transcripts_expire_stuck,
    transcripts_requeue_waiting,
    uploads_purge_unused,
)
from transcripts.worker import (
    DELIVER_WEBHOOK_TASK,
    TIME_LIMIT_ERROR,
    TRANSCRIBE_TASK,
    WORKER_LOST_ERROR,
    transcript_finish,
    transcript_run,
    webhook_backoff,
    webhook_deliver,
)

logger = logging.getLogger(__name__)


class TranscriptionRequest(Request):
    """A transcription's time limits are the worker's settings, whatever the sender's were.

    (Celery would otherwise take them from the message, that is from the
    settings of the web process that queued it.)
    """

    @property
    def time_limits(self) -> tuple[int, int]:
        return settings.TRANSCRIPTION_TIME_LIMIT, settings.TRANSCRIPTION_SOFT_TIME_LIMIT

    @time_limits.setter
    def time_limits(self, value: object) -> None:
        pass


class TranscriptionTask(Task[Any, Any]):
    Request = "transcripts.tasks:TranscriptionRequest"


# On the "transcription" queue (CELERY_TASK_ROUTES): a long file never delays usage folding.
@shared_task(base=TranscriptionTask, name=TRANSCRIBE_TASK)
def transcribe(transcript_id: str) -> None:
    transcript_run(transcript_id=transcript_id)


@task_failure.connect(sender=transcribe)
def _transcription_lost(
    sender: object = None,
    task_id: str | None = None,
    exception: BaseException | None = None,
    args: tuple[Any, ...] | None = None,
    kwargs: dict[str, Any] | None = None,
    **_: Any,
) -> None:
    """The worker process died on a file (killed at the hard time limit, or crashed):
    its transcript ends in error now rather than at the watchdog's deadline.

    Celery sends this in the worker's main process, which outlives the lost child.
    """
    transcript_id = (args or (None,))[0] or (kwargs or {}).get("transcript_id")
    if transcript_id is None:
        return
    logger.error("Transcription of %s was lost: %r", transcript_id, exception)
    timed_out = isinstance(exception, TimeLimitExceeded)
    transcript_finish(transcript_id, error=TIME_LIMIT_ERROR if timed_out else WORKER_LOST_ERROR)


@shared_task
def expire_stuck_transcripts() -> int:
    """The watchdog: transcripts stuck processing end in error; those left waiting are queued again."""
    transcripts_requeue_waiting()
    return transcripts_expire_stuck()


@shared_task(bind=True, name=DELIVER_WEBHOOK_TASK)
def deliver_webhook(self: Task[Any, Any], transcript_id: str) -> None:
    """A finished transcript's webhook, retried with exponential back-off while it fails."""
    if webhook_deliver(transcript_id=transcript_id):
        return
    attempt = self.request.retries
    if attempt >= settings.WEBHOOK_RETRIES:
        logger.warning("Webhook of %s given up after %d attempts", transcript_id, attempt + 1)
        return
    raise self.retry(countdown=webhook_backoff(attempt), max_retries=settings.WEBHOOK_RETRIES)


@shared_task
def purge_unused_uploads() -> int:
    return uploads_purge_unused()
