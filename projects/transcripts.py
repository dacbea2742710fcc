"""Uploads and transcripts: the state changes behind the /v2 API and the Transcripts pages.

Every function here starts from an API key's project (P2, P3); none looks an
upload or transcript up by id alone.
"""

import logging
import math
import shutil
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.permissions import Action
from projects.audio import AudioError, probe
from projects.engines import Result, get_engine
from projects.models import Project, Transcript, Upload

logger = logging.getLogger(__name__)

UPLOAD_CHUNK_BYTES = 64 * 1024
# What the reference API shows in place of a deleted transcript's content.
DELETED_TEXT = "Deleted by user."
DELETED_AUDIO_URL = "http://deleted_by_user"


class ApiError(Exception):
    """A request the API refuses; `message` is shown to the caller as `{"error": ...}`."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def _media_path(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def project_upload_dir(project_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "uploads" / str(project_id)


def _remove_on_commit(*paths: Path) -> None:
    """Remove files or folders once the transaction that forgot them has committed."""

    def remove():
        for path in paths:
            try:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
            except OSError:
                logger.exception("Could not remove %s", path)

    transaction.on_commit(remove)


def upload_create(*, api_key, stream, content_length: int | None) -> Upload:
    """Store a request body in the key's project, reading it in chunks (never whole)."""
    return _store_upload(
        project_id=api_key.project_id, api_key=api_key, stream=stream, content_length=content_length
    )


def too_large() -> ApiError:
    limit = settings.API_MAX_UPLOAD_BYTES
    return ApiError(
        f"The file is larger than this server accepts ({limit // (1024 * 1024)} MB at most).",
        status=413,
    )


def _store_upload(*, project_id, api_key, stream, content_length: int | None) -> Upload:
    limit = settings.API_MAX_UPLOAD_BYTES
    if content_length is not None and content_length > limit:
        raise too_large()
    upload_id = uuid.uuid4()
    relative = f"uploads/{project_id}/{upload_id}"
    path = _media_path(relative)
    path.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    try:
        with open(path, "xb") as out:
            while chunk := stream.read(UPLOAD_CHUNK_BYTES):
                size += len(chunk)
                if size > limit:
                    raise too_large()
                out.write(chunk)
        if size == 0:
            raise ApiError(
                "The request body is empty: send the audio file's bytes as the body "
                "(not a multipart form)."
            )
        return Upload.objects.create(
            id=upload_id, project_id=project_id, api_key=api_key, path=relative, size=size
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def upload_for_key(*, api_key, upload_id) -> Upload | None:
    """The key's project's live upload with this id, or None (also for another project's)."""
    # SECURITY: uploads are only ever found inside the key's project (P2, P3).
    return Upload.objects.filter(
        project_id=api_key.project_id, pk=upload_id, deleted_at__isnull=True
    ).first()


def transcript_for_key(*, api_key, transcript_id) -> Transcript | None:
    # SECURITY: another project's transcript is None, exactly like a missing one (P2).
    return Transcript.objects.for_project(api_key.project).filter(pk=transcript_id).first()


def transcript_create(
    *,
    api_key,
    upload: Upload,
    audio_url: str,
    language_code: str,
    speech_model: str | None,
) -> Transcript:
    """Queue the transcription of one of the key's project's uploads."""
    # SECURITY: P3, checked again here whatever the caller did.
    if upload.project_id != api_key.project_id or upload.deleted_at is not None:
        raise ApiError("Cannot access uploaded file", status=403)
    return _queue(
        project_id=api_key.project_id,
        upload=upload,
        api_key=api_key,
        audio_url=audio_url,
        language_code=language_code,
        speech_model=speech_model,
    )


def _queue(*, project_id, upload, api_key, audio_url, language_code, speech_model) -> Transcript:
    engine = get_engine()
    if not engine.supports_language(language_code):
        raise ApiError(
            f"language_code {language_code!r} is not supported: this server transcribes English "
            "(en, en_us, en_uk, en_au)."
        )
    with transaction.atomic():
        transcript = Transcript.objects.create(
            project_id=project_id,
            upload=upload,
            api_key=api_key,
            api_key_name=api_key.name if api_key else "",
            audio_url=audio_url,
            language_code=language_code,
            speech_model=speech_model,
            speech_model_used=engine.name,
        )
        transaction.on_commit(lambda: _enqueue(transcript.pk))
    return transcript


def console_transcribe(*, account, actor, project: Project, file, upload_url) -> Transcript:
    """Upload a file from the Transcripts page and queue its transcript, as the API would.

    `upload_url(upload)` gives the absolute URL the transcript names as its audio_url.
    No API key is involved: the usage is the project's, with no key.
    """
    from accounts.audit import audit_log
    from accounts.services import ensure_can

    ensure_can(actor=actor, account=account, action=Action.MANAGE_PROJECTS)
    # SECURITY: only a live project of this account, whatever the caller looked up.
    project = Project.objects.for_account(account).filter(pk=project.pk).first()
    if project is None:
        raise ValidationError("This project has been deleted.")
    upload = _store_upload(
        project_id=project.pk, api_key=None, stream=file, content_length=file.size
    )
    try:
        with transaction.atomic():
            transcript = _queue(
                project_id=project.pk,
                upload=upload,
                api_key=None,
                audio_url=upload_url(upload),
                language_code="en_us",
                speech_model=None,
            )
            audit_log(
                account=account,
                actor=actor,
                action="transcript.create",
                target=transcript,
                target_label=f"{file.name} in {project.name}",
                metadata={"project": project.name, "file": file.name[:200], "bytes": upload.size},
            )
    except BaseException:
        _media_path(upload.path).unlink(missing_ok=True)
        upload.delete()
        raise
    return transcript


def _enqueue(transcript_id) -> None:
    from projects.tasks import transcribe

    try:
        transcribe.delay(str(transcript_id))
    except Exception:
        # The transcript is committed as queued whatever the broker says; the
        # watchdog queues it again (transcripts_requeue_waiting).
        logger.exception("Could not queue transcript %s", transcript_id)


def transcript_delete(*, api_key, transcript: Transcript) -> Transcript:
    """Forget a finished transcript's text and its uploaded file; the row stays, marked deleted."""
    with transaction.atomic():
        # SECURITY: re-read inside the key's project.
        transcript = (
            Transcript.objects.for_project(api_key.project)
            .select_for_update(of=("self",))
            .select_related("upload")
            .get(pk=transcript.pk)
        )
        _forget(transcript)
    return transcript


def console_transcript_delete(*, account, actor, transcript: Transcript) -> Transcript:
    """The same deletion from the Transcripts page (Owners and Admins), audited."""
    from accounts.audit import audit_log
    from accounts.services import ensure_can

    ensure_can(actor=actor, account=account, action=Action.MANAGE_PROJECTS)
    with transaction.atomic():
        # SECURITY: re-read inside the account.
        transcript = (
            Transcript.objects.for_account(account)
            .select_for_update(of=("self",))
            .select_related("upload", "project")
            .get(pk=transcript.pk)
        )
        if transcript.deleted_at is not None:
            return transcript
        _forget(transcript)
        audit_log(
            account=account,
            actor=actor,
            action="transcript.delete",
            target=transcript,
            target_label=f"{transcript.pk} in {transcript.project.name}",
        )
    return transcript


def _forget(transcript: Transcript) -> None:
    if not transcript.is_finished:
        raise ApiError(
            "This transcript is still being processed: delete it once it is completed "
            "or has failed."
        )
    if transcript.deleted_at is None:
        transcript.deleted_at = timezone.now()
        transcript.text = None
        transcript.words = None
        transcript.confidence = None
        transcript.save(update_fields=["deleted_at", "text", "words", "confidence"])
    upload = transcript.upload
    if upload is not None and upload.deleted_at is None:
        _upload_forget(upload)


def _upload_forget(upload: Upload) -> None:
    path = _media_path(upload.path) if upload.path else None
    upload.deleted_at = timezone.now()
    upload.path = ""
    upload.save(update_fields=["deleted_at", "path"])
    if path is not None:
        _remove_on_commit(path)


def project_transcripts_purge(*, project: Project) -> None:
    """Delete a project's uploads and transcripts and, after commit, their files (P4).

    Called by the project's deletion, inside its transaction.
    """
    Transcript.objects.filter(project=project).delete()
    Upload.objects.filter(project=project).delete()
    _remove_on_commit(project_upload_dir(project.pk))


# Transcription (run by projects.tasks)


def _deadline(started, duration: float):
    seconds = max(settings.TRANSCRIPT_MIN_TIMEOUT, math.ceil(4 * duration))
    return started + timedelta(seconds=seconds)


def transcript_run(*, transcript_id) -> Transcript | None:
    """Transcribe a queued transcript: queued -> processing -> completed or error.

    Idempotent: a transcript that is not queued any more is left alone.
    """
    now = timezone.now()
    with transaction.atomic():
        transcript = (
            Transcript.objects.select_for_update(of=("self",))
            .select_related("upload")
            .filter(pk=transcript_id)
            .first()
        )
        if transcript is None or transcript.status != Transcript.Status.QUEUED:
            return transcript
        upload = transcript.upload
        if upload is None or upload.deleted_at is not None or not upload.path:
            return _fail(transcript, "The uploaded file was deleted before it was transcribed.")
        path = _media_path(upload.path)
        try:
            info = probe(path)
        except AudioError as exc:
            return _fail(transcript, str(exc))
        except OSError:
            logger.exception("Upload %s is unreadable", upload.pk)
            return _fail(transcript, "The uploaded file could not be read.")
        transcript.status = Transcript.Status.PROCESSING
        transcript.started_at = now
        transcript.deadline_at = _deadline(now, info.duration)
        transcript.audio_duration = _whole_seconds(info.duration)
        transcript.save(update_fields=["status", "started_at", "deadline_at", "audio_duration"])
    try:
        result = get_engine().transcribe(path, language_code=transcript.language_code)
    except AudioError as exc:
        return _finish(transcript.pk, error=str(exc))
    except Exception:
        logger.exception("Transcription of %s failed", transcript.pk)
        return _finish(transcript.pk, error="The transcription engine failed on this file.")
    try:
        return _finish(transcript.pk, result=result)
    except Exception:
        # Never leave it processing: completion and its usage event commit together or not at all.
        logger.exception("Saving transcript %s failed", transcript.pk)
        return _finish(transcript.pk, error="The transcript could not be saved.")


def _whole_seconds(duration: float) -> int:
    return max(1, round(duration)) if duration > 0 else 0


def _fail(transcript: Transcript, message: str) -> Transcript:
    transcript.status = Transcript.Status.ERROR
    transcript.error = message
    transcript.completed_at = timezone.now()
    transcript.save(update_fields=["status", "error", "completed_at"])
    return transcript


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
    transcript.text = result.text
    transcript.words = [
        {"text": w.text, "start": w.start, "end": w.end, "confidence": w.confidence}
        for w in result.words
    ]
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
    return transcript


def _record_usage(transcript: Transcript) -> None:
    """One usage event per completed transcript (API2); its idempotency key stops doubles."""
    from reporting.usage.services import usage_event_record

    usage_event_record(
        account=transcript.project.account,
        project=transcript.project,
        api_key=transcript.api_key,
        product="speech_to_text",
        model=transcript.speech_model_used,
        quantity=transcript.audio_duration,
        occurred_at=transcript.completed_at,
        idempotency_key=f"transcript:{transcript.pk}",
    )


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


# At most this many transcripts are queued again per watchdog run.
REQUEUE_BATCH = 200


def transcripts_requeue_waiting(*, now=None) -> int:
    """Queue again the transcripts left waiting: their message was lost (a broker
    restart) or never sent (the broker was down). Running one twice is harmless:
    `transcript_run` only starts a transcript that is still queued."""
    now = now or timezone.now()
    waited = now - timedelta(seconds=settings.TRANSCRIPT_REQUEUE_AFTER)
    waiting = list(
        Transcript.objects.filter(status=Transcript.Status.QUEUED, created_at__lt=waited)
        .order_by("created_at")
        .values_list("pk", flat=True)[:REQUEUE_BATCH]
    )
    for transcript_id in waiting:
        _enqueue(transcript_id)
    if waiting:
        logger.warning("Queued %d waiting transcripts again", len(waiting))
    return len(waiting)
