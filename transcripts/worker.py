"""The worker's side of transcripts: running a transcription, admitting the waiting
ones into free slots (C3), and the transcript's own webhook.

`transcripts.tasks` wraps these in Celery tasks. This module sends those tasks by
name (`TRANSCRIBE_TASK`, `DELIVER_WEBHOOK_TASK`) rather than importing them, so the
imports go one way: tasks -> worker, and services -> worker.
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

from celery import signature
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import outbound
from accounts.models import Account
from accounts.sealing import SealError, unseal_text
from reporting.usage.services import usage_event_record
from transcripts import spend, storage
from transcripts.audio import AudioError, probe
from transcripts.concurrency import admit_waiting, lock_account
from transcripts.engines import EngineOptions, Result, get_engine
from transcripts.errors import OverSpendLimit
from transcripts.formatting import WordJson, apply_text_options
from transcripts.models import Transcript

logger = logging.getLogger(__name__)

# The Celery tasks' names, as routed in settings and held by queued messages: never renamed.
TRANSCRIBE_TASK = "transcripts.tasks.transcribe"
DELIVER_WEBHOOK_TASK = "transcripts.tasks.deliver_webhook"

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


def transcription_enqueue(transcript_id: Any) -> None:
    """Send a queued transcript to the workers; a broker that is down is logged, not raised."""
    try:
        signature(TRANSCRIBE_TASK, args=(str(transcript_id),)).delay()
    except Exception:
        # The transcript is committed as queued whatever the broker says; the
        # watchdog queues it again (housekeeping.transcripts_requeue_waiting).
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


def _deadline(started: datetime, duration: float) -> datetime:
    seconds = max(settings.TRANSCRIPT_MIN_TIMEOUT, math.ceil(4 * duration))
    # Past the task's hard time limit its worker process is gone: no need to wait longer.
    seconds = min(seconds, settings.TRANSCRIPTION_TIME_LIMIT + 60)
    return started + timedelta(seconds=seconds)


def transcript_run(*, transcript_id: Any) -> Transcript | None:
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
                return transcript_fail(
                    transcript, "The uploaded file was deleted before it was transcribed."
                )
            try:
                # The engine reads a local file: the storage's own, or a copy kept until the end.
                if fetched is not None:
                    path = fetched
                else:
                    assert upload is not None
                    path = stack.enter_context(storage.local_path(upload.path))
                info = probe(path)
            except AudioError as exc:
                return transcript_fail(transcript, str(exc))
            except OSError:
                logger.exception("The audio of %s is unreadable", transcript.pk)
                return transcript_fail(transcript, "The uploaded file could not be read.")
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
                    # Told once the limit rows are unlocked: the notice's row takes a
                    # lock on the account, which a create holds while it waits for them.
                    transaction.on_commit(partial(spend.note_refusal, exc))
                    return transcript_fail(transcript, exc.message)
            transcript.status = Transcript.Status.PROCESSING
            transcript.started_at = now
            transcript.deadline_at = _deadline(now, info.duration)
            transcript.audio_duration = _whole_seconds(info.duration)
            transcript.save(update_fields=["status", "started_at", "deadline_at", "audio_duration"])
        try:
            result = get_engine().transcribe(str(path), options=engine_options(transcript))
        except AudioError as exc:
            return transcript_finish(transcript.pk, error=str(exc))
        except SoftTimeLimitExceeded:
            logger.warning("Transcription of %s ran past its time limit", transcript.pk)
            return transcript_finish(transcript.pk, error=TIME_LIMIT_ERROR)
        except Exception:
            logger.exception("Transcription of %s failed", transcript.pk)
            # The next transcription in this process starts from a fresh engine.
            get_engine.cache_clear()
            return transcript_finish(transcript.pk, error=ENGINE_ERROR)
    try:
        return transcript_finish(transcript.pk, result=result)
    except Exception:
        # Never leave it processing: completion and its usage event commit together or not at all.
        logger.exception("Saving transcript %s failed", transcript.pk)
        return transcript_finish(transcript.pk, error="The transcript could not be saved.")


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
    return transcript_fail(transcript, message)


def _whole_seconds(duration: float) -> int:
    return max(1, round(duration)) if duration > 0 else 0


def transcript_fail(transcript: Transcript, message: str) -> Transcript:
    """End a transcript (locked by the caller) in error: its slot, reservation and webhook follow."""
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
        signature(DELIVER_WEBHOOK_TASK, args=(str(transcript_id),)).delay()
    except Exception:
        logger.exception("Could not queue the webhook of transcript %s", transcript_id)


@transaction.atomic
def transcript_finish(
    transcript_id: Any, *, result: Result | None = None, error: str = ""
) -> Transcript | None:
    """End a processing transcript with the engine's result (and its usage), or in error."""
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
        return transcript_fail(transcript, error)
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
