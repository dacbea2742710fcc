"""The worker's side of transcripts: running a transcription, and the watchdog.

The Celery tasks sit at the bottom; the state changes they make are here too,
because queueing (`transcripts.services`) sends these tasks and so imports
this module, never the other way round.
"""

import logging
import math
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.signals import task_failure
from celery.worker.request import Request
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts import outbound
from accounts.models import Account
from accounts.sealing import SealError, unseal_text
from reporting.usage.services import usage_event_record
from transcripts import spend, storage
from transcripts.audio import AudioError, probe
from transcripts.concurrency import admit_waiting, lock_account, waiting_for_slot
from transcripts.engines import EngineOptions, Result, get_engine
from transcripts.errors import OverSpendLimit
from transcripts.formatting import WordJson, apply_text_options
from transcripts.models import Transcript, Upload

logger = logging.getLogger(__name__)

# At most this many transcripts are queued again per watchdog run.
REQUEUE_BATCH = 200
# At most this many unused uploads are removed per clean-up run.
PURGE_BATCH = 500
# What the webhook header's value is sealed for (accounts.sealing).
WEBHOOK_HEADER_PURPOSE = "transcript-webhook-header"


def engine_options(transcript: Transcript) -> EngineOptions:
    """What the engine is asked for this transcript: its language, hotwords and time window."""
    hotwords = dict.fromkeys([*transcript.word_boost, *transcript.keyterms_prompt])
    return EngineOptions(
        language_code=transcript.language_code,
        hotwords=tuple(hotwords),
        start_ms=transcript.audio_start_from,
        end_ms=transcript.audio_end_at,
    )


ENGINE_ERROR = "The transcription engine failed on this file."
TIME_LIMIT_ERROR = "Transcription took longer than this server allows for one file."
WORKER_LOST_ERROR = "The transcription engine stopped while working on this file."


def transcription_enqueue(transcript_id) -> None:
    """Send a queued transcript to the workers; a broker that is down is logged, not raised."""
    try:
        transcribe.delay(str(transcript_id))
    except Exception:
        # The transcript is committed as queued whatever the broker says; the
        # watchdog queues it again (transcripts_requeue_waiting).
        logger.exception("Could not queue transcript %s", transcript_id)


def transcripts_start_waiting(account: Account, *, running_here: Any = None) -> list[Any]:
    """Admit the account's oldest waiting transcripts into its free slots and send them
    to the workers once this commits (all but `running_here`, which its caller runs).

    Call it inside a transaction that holds `lock_account`.
    """
    admitted = admit_waiting(account)
    for transcript_id in admitted:
        if str(transcript_id) != str(running_here):
            transaction.on_commit(partial(transcription_enqueue, transcript_id))
    return admitted


def transcripts_start_next(
    *, project_id: int | None = None, account_id: int | None = None, running_here: Any = None
) -> list[Any]:
    """`transcripts_start_waiting` in a transaction of its own, under the account's lock."""
    with transaction.atomic():
        account = lock_account(project_id=project_id, account_id=account_id)
        return transcripts_start_waiting(account, running_here=running_here)


def _slot_freed(transcript: Transcript) -> None:
    """A transcript that held a slot finished: its account's next waiting ones start once
    this commits (in a transaction of their own, so a finish never waits on the account)."""
    transaction.on_commit(partial(transcripts_start_next, project_id=transcript.project_id))


def _deadline(started, duration: float):
    seconds = max(settings.TRANSCRIPT_MIN_TIMEOUT, math.ceil(4 * duration))
    # Past the task's hard time limit its worker process is gone: no need to wait longer.
    seconds = min(seconds, settings.TRANSCRIPTION_TIME_LIMIT + 60)
    return started + timedelta(seconds=seconds)


def transcript_run(*, transcript_id) -> Transcript | None:
    """Transcribe a queued transcript: queued -> processing -> completed or error.

    Idempotent: a transcript that is not queued any more is left alone, and one
    waiting for a slot (C3) is started only if its turn has come. A remote
    audio_url is fetched first (outside any transaction: it may take a while).
    """
    with ExitStack() as stack:
        fetched: Path | None = None
        waiting = Transcript.objects.filter(pk=transcript_id).first()
        if waiting is None or waiting.status != Transcript.Status.QUEUED:
            return waiting
        if waiting.admitted_at is None and waiting.pk not in transcripts_start_next(
            project_id=waiting.project_id, running_here=waiting.pk
        ):
            return waiting
        if waiting.remote_audio:
            try:
                fetched = stack.enter_context(_fetched(waiting.audio_url))
            except outbound.OutboundError as exc:
                return _fail_queued(transcript_id, f"audio_url could not be fetched: {exc.message}")
            except Exception:
                # Never left queued to be fetched again and again.
                logger.exception("Fetching the audio of %s failed", transcript_id)
                return _fail_queued(transcript_id, "audio_url could not be fetched.")
        now = timezone.now()
        with transaction.atomic():
            transcript = (
                Transcript.objects.select_for_update(of=("self",))
                .select_related("upload", "project")
                .filter(pk=transcript_id)
                .first()
            )
            if transcript is None or transcript.status != Transcript.Status.QUEUED:
                return transcript
            upload = transcript.upload
            if fetched is None and (
                upload is None or upload.deleted_at is not None or not upload.path
            ):
                return _fail(transcript, "The uploaded file was deleted before it was transcribed.")
            try:
                # The engine reads a local file: the storage's own, or a copy kept until the end.
                if fetched is not None:
                    path = fetched
                else:
                    assert upload is not None
                    path = stack.enter_context(storage.local_path(upload.path))
                info = probe(path)
            except AudioError as exc:
                return _fail(transcript, str(exc))
            except OSError:
                logger.exception("The audio of %s is unreadable", transcript.pk)
                return _fail(transcript, "The uploaded file could not be read.")
            if fetched is not None:
                # A remote file's worst case is known only now, before the engine runs.
                try:
                    spend.reserve(
                        transcript,
                        account_id=transcript.project.account_id,
                        path=path,
                        duration=info.duration,
                    )
                except OverSpendLimit as exc:
                    spend.note_refusal(exc)
                    return _fail(transcript, exc.message)
            transcript.status = Transcript.Status.PROCESSING
            transcript.started_at = now
            transcript.deadline_at = _deadline(now, info.duration)
            transcript.audio_duration = _whole_seconds(info.duration)
            transcript.save(update_fields=["status", "started_at", "deadline_at", "audio_duration"])
        try:
            result = get_engine().transcribe(str(path), options=engine_options(transcript))
        except AudioError as exc:
            return _finish(transcript.pk, error=str(exc))
        except SoftTimeLimitExceeded:
            logger.warning("Transcription of %s ran past its time limit", transcript.pk)
            return _finish(transcript.pk, error=TIME_LIMIT_ERROR)
        except Exception:
            logger.exception("Transcription of %s failed", transcript.pk)
            # The next transcription in this process starts from a fresh engine.
            get_engine.cache_clear()
            return _finish(transcript.pk, error=ENGINE_ERROR)
    try:
        return _finish(transcript.pk, result=result)
    except Exception:
        # Never leave it processing: completion and its usage event commit together or not at all.
        logger.exception("Saving transcript %s failed", transcript.pk)
        return _finish(transcript.pk, error="The transcript could not be saved.")


@contextmanager
def _fetched(url: str) -> Iterator[Path]:
    """A remote audio file in a temporary file, removed afterwards."""
    with tempfile.NamedTemporaryFile(prefix="audio-url-") as copy:
        outbound.fetch_to(
            url,
            copy,
            max_bytes=settings.AUDIO_URL_MAX_BYTES,
            timeout=settings.AUDIO_URL_TIMEOUT,
        )
        copy.flush()
        yield Path(copy.name)


@transaction.atomic
def _fail_queued(transcript_id: Any, message: str) -> Transcript | None:
    transcript = Transcript.objects.select_for_update(of=("self",)).filter(pk=transcript_id).first()
    if transcript is None or transcript.status != Transcript.Status.QUEUED:
        return transcript
    return _fail(transcript, message)


def _whole_seconds(duration: float) -> int:
    return max(1, round(duration)) if duration > 0 else 0


def _fail(transcript: Transcript, message: str) -> Transcript:
    transcript.status = Transcript.Status.ERROR
    transcript.error = message
    transcript.completed_at = timezone.now()
    transcript.save(update_fields=["status", "error", "completed_at"])
    _slot_freed(transcript)
    spend.release(transcript.pk)
    _announce(transcript)
    return transcript


def _announce(transcript: Transcript) -> None:
    """Tell the transcript's webhook (if any) that it finished, once this commits."""
    if transcript.webhook_url:
        transaction.on_commit(partial(webhook_enqueue, transcript.pk))


def webhook_enqueue(transcript_id: Any) -> None:
    try:
        deliver_webhook.delay(str(transcript_id))
    except Exception:
        logger.exception("Could not queue the webhook of transcript %s", transcript_id)


@transaction.atomic
def _finish(transcript_id, *, result: Result | None = None, error: str = "") -> Transcript | None:
    transcript = (
        Transcript.objects.select_for_update(of=("self",))
        .select_related("project__account", "api_key")
        .filter(pk=transcript_id)
        .first()
    )
    # Timed out (or its project deleted) while the engine ran: keep what is there.
    if transcript is None or transcript.status != Transcript.Status.PROCESSING:
        return transcript
    if result is None:
        return _fail(transcript, error)
    transcript.status = Transcript.Status.COMPLETED
    transcript.completed_at = timezone.now()
    words: list[WordJson] = [
        {
            "text": w.text,
            "start": w.start,
            "end": w.end,
            "confidence": w.confidence,
            "speaker": None,
        }
        for w in result.words
    ]
    transcript.text, transcript.words = apply_text_options(
        result.text, words, punctuate=transcript.punctuate, format_text=transcript.format_text
    )
    transcript.confidence = result.confidence
    transcript.audio_duration = _whole_seconds(result.duration)
    transcript.save(
        update_fields=[
            "status",
            "completed_at",
            "text",
            "words",
            "confidence",
            "audio_duration",
        ]
    )
    _record_usage(transcript)
    _slot_freed(transcript)
    _announce(transcript)
    return transcript


def _record_usage(transcript: Transcript) -> None:
    """One usage event per completed transcript (API2); its idempotency key stops doubles.

    The transcript's reservation, if a limit held one, becomes this usage in the same transaction.
    """
    key = spend.usage_key(transcript.pk)
    event, _created = usage_event_record(
        account=transcript.project.account,
        project=transcript.project,
        api_key=transcript.api_key,
        product="speech_to_text",
        model=transcript.speech_model_used,
        quantity=transcript.audio_duration,
        occurred_at=transcript.completed_at,
        idempotency_key=key,
    )
    spend.settle(transcript.pk, event_key=key, cost_micros=event.cost_micros)


def transcripts_expire_stuck() -> int:
    """Move transcripts processing past their deadline (a crashed worker) to error."""
    now = timezone.now()
    with transaction.atomic():
        stuck = list(
            Transcript.objects.select_for_update(skip_locked=True).filter(
                status=Transcript.Status.PROCESSING, deadline_at__lt=now
            )
        )
        for transcript in stuck:
            _fail(
                transcript,
                "Transcription did not finish in time. Submit the file again to retry.",
            )
    if stuck:
        logger.warning("Moved %d stuck transcripts to error", len(stuck))
    return len(stuck)


def transcripts_requeue_waiting(*, now=None) -> int:
    """Queue again the transcripts left waiting: their message was lost (a broker
    restart) or never sent (the broker was down). Running one twice is harmless:
    `transcript_run` only starts a transcript that is still queued.

    Of those waiting for a slot (C3) only each account's oldest is sent: its run
    admits the account's waiting ones in order, as far as free slots go (a wake-up
    lost, or a plan that allows more now), and the others wait their turn.
    """
    now = now or timezone.now()
    waited = now - timedelta(seconds=settings.TRANSCRIPT_REQUEUE_AFTER)
    old = Transcript.objects.filter(status=Transcript.Status.QUEUED, created_at__lt=waited)
    waiting = list(
        old.filter(admitted_at__isnull=False)
        .order_by("created_at")
        .values_list("pk", flat=True)[:REQUEUE_BATCH]
    )
    without_slot = old.filter(admitted_at__isnull=True)
    accounts = without_slot.order_by().values_list("project__account_id", flat=True).distinct()
    for account_id in list(accounts[:REQUEUE_BATCH]):
        head = waiting_for_slot(account_id).values_list("pk", flat=True).first()
        if head is not None:
            waiting.append(head)
    for transcript_id in waiting:
        transcription_enqueue(transcript_id)
    if waiting:
        logger.warning("Queued %d waiting transcripts again", len(waiting))
    return len(waiting)


def webhook_backoff(attempt: int) -> int:
    """Seconds before retry number `attempt + 1`: doubling from WEBHOOK_BACKOFF, at most an hour."""
    return int(min(settings.WEBHOOK_BACKOFF * 2**attempt, 3600))


def webhook_deliver(*, transcript_id: Any) -> bool:
    """POST `{"transcript_id", "status"}` to the transcript's webhook_url, through the SSRF
    guard; record the answer's status. True when delivered (or nothing to deliver)."""
    transcript = Transcript.objects.filter(pk=transcript_id).first()
    if transcript is None or not transcript.webhook_url or not transcript.is_finished:
        return True
    headers: dict[str, str] = {}
    if transcript.webhook_auth_header_name and transcript.webhook_auth_header_sealed:
        try:
            headers[transcript.webhook_auth_header_name] = unseal_text(
                transcript.webhook_auth_header_sealed, purpose=WEBHOOK_HEADER_PURPOSE
            )
        except SealError:
            # The sealing key changed: sent without it, the receiver can tell.
            logger.warning("The webhook header of %s could not be unsealed", transcript.pk)
    status: int | None
    try:
        status = outbound.post_json(
            transcript.webhook_url,
            {"transcript_id": str(transcript.pk), "status": transcript.status},
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT,
        )
    except outbound.OutboundError as exc:
        # SECURITY: the message names the URL's host at most, never the header.
        logger.warning("Webhook of %s not delivered: %s", transcript.pk, exc.message)
        status = None
    Transcript.objects.filter(pk=transcript.pk).update(webhook_status_code=status)
    return status is not None and 200 <= status < 300


def uploads_purge_unused(*, now: datetime | None = None) -> int:
    """Remove uploads that no transcript used within UPLOAD_UNUSED_TTL seconds (files too)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.UPLOAD_UNUSED_TTL)
    with transaction.atomic():
        # Locked and skipped when locked: a transcript being created for one holds it.
        stale = list(
            Upload.objects.select_for_update(skip_locked=True)
            .filter(deleted_at__isnull=True, created_at__lt=cutoff)
            .filter(~Exists(Transcript.objects.filter(upload=OuterRef("pk"))))
            .order_by("created_at")[:PURGE_BATCH]
        )
        names = [upload.path for upload in stale if upload.path]
        Upload.objects.filter(pk__in=[upload.pk for upload in stale]).update(
            deleted_at=now, path=""
        )
        storage.delete_on_commit(*names)
    if stale:
        logger.info("Removed %d unused uploads", len(stale))
    return len(stale)


# The Celery tasks


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
@shared_task(base=TranscriptionTask)
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
    _finish(transcript_id, error=TIME_LIMIT_ERROR if timed_out else WORKER_LOST_ERROR)


@shared_task
def expire_stuck_transcripts() -> int:
    """The watchdog: transcripts stuck processing end in error; those left waiting are queued again."""
    transcripts_requeue_waiting()
    return transcripts_expire_stuck()


@shared_task(bind=True)
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
