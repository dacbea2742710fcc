"""Uploads and transcripts: the state changes behind the /v2 API and the Transcripts pages.

Every function here starts from an API key's project (P2, P3) or the console's
account; none looks an upload or transcript up by id alone. The worker's side
(running a transcription) is in `transcripts.worker`, the watchdog in
`transcripts.housekeeping`.
"""

import uuid
from collections.abc import Callable
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_log
from accounts.models import Account, AuditAction, User
from accounts.permissions import Action
from accounts.plans import get_plan, upload_quota_for
from accounts.sealing import seal_text
from accounts.services import ensure_can
from apikeys.models import ApiKey
from projects.models import Project
from transcripts import spend, storage
from transcripts.concurrency import lock_account
from transcripts.engines import get_engine
from transcripts.errors import (
    InvalidRequest,
    NotFinished,
    OverSpendLimit,
    TooLarge,
    UnsupportedLanguage,
    UploadInaccessible,
    UploadQuotaExceeded,
)
from transcripts.models import Transcript, Upload
from transcripts.options import TranscriptOptions
from transcripts.worker import WEBHOOK_HEADER_PURPOSE, transcripts_start_waiting

# What the reference API shows in place of a deleted transcript's content.
DELETED_TEXT = "Deleted by user."
DELETED_AUDIO_URL = "http://deleted_by_user"

# A request body read in chunks: the API's request itself, or the console's uploaded file.
BodyStream = HttpRequest | IO[bytes]


def too_large() -> TooLarge:
    limit = settings.API_MAX_UPLOAD_BYTES
    return TooLarge(
        f"The file is larger than this server accepts ({limit // (1024 * 1024)} MB at most)."
    )


def upload_create(*, api_key: ApiKey, stream: BodyStream, content_length: int | None) -> Upload:
    """Store a request body in the key's project, reading it in chunks (never whole),
    within the plan's quota of bytes held in uploads no transcript uses yet."""
    project = Project.objects.select_related("account").get(pk=api_key.project_id)
    quota = upload_quota_for(project.account)
    if content_length is not None and _held_bytes(project.pk) + content_length > quota:
        raise _quota_exceeded(project, quota)
    upload = _store_upload(
        project_id=project.pk, api_key=api_key, stream=stream, content_length=content_length
    )
    try:
        with transaction.atomic():
            # Under the project's row lock: concurrent uploads are counted one after another.
            Project.objects.select_for_update().filter(pk=project.pk).first()
            if _held_bytes(project.pk) > quota:
                raise _quota_exceeded(project, quota)
    except UploadQuotaExceeded:
        Upload.objects.filter(pk=upload.pk).delete()
        storage.delete(upload.path)
        raise
    return upload


def _held_bytes(project_id: int) -> int:
    """Bytes of the project's live uploads that no transcript uses (the upload quota's measure)."""
    held = Upload.objects.filter(
        project_id=project_id, deleted_at__isnull=True, transcripts__isnull=True
    ).aggregate(total=Sum("size"))["total"]
    return held or 0


def _quota_exceeded(project: Project, quota: int) -> UploadQuotaExceeded:
    plan = get_plan(project.account.plan)
    return UploadQuotaExceeded(
        f"This upload would take the project over its upload quota: the {plan.name} plan "
        f"holds {quota // (1024 * 1024)} MB of uploads not yet transcribed per project. "
        "Transcribe or wait for earlier uploads to be cleaned up, then try again."
    )


def _store_upload(
    *, project_id: int, api_key: ApiKey | None, stream: BodyStream, content_length: int | None
) -> Upload:
    limit = settings.API_MAX_UPLOAD_BYTES
    if content_length is not None and content_length > limit:
        raise too_large()
    upload_id = uuid.uuid4()
    name = storage.upload_name(project_id, upload_id)
    size = storage.save_stream(name, stream, limit=limit, too_large=too_large)
    try:
        if size == 0:
            raise InvalidRequest(
                "The request body is empty: send the audio file's bytes as the body "
                "(not a multipart form)."
            )
        return Upload.objects.create(
            id=upload_id, project_id=project_id, api_key=api_key, path=name, size=size
        )
    except BaseException:
        storage.delete(name)
        raise


def transcript_create(
    *, api_key: ApiKey, upload: Upload | None, audio_url: str, options: TranscriptOptions
) -> Transcript:
    """Queue the transcription of one of the key's project's uploads, or of a remote
    `audio_url` (upload None) that the worker fetches behind the SSRF guard."""
    # SECURITY: P3, checked again here whatever the caller did.
    if upload is not None and (
        upload.project_id != api_key.project_id or upload.deleted_at is not None
    ):
        raise UploadInaccessible("Cannot access uploaded file")
    try:
        return _queue(
            project_id=api_key.project_id,
            account_id=api_key.project.account_id,
            upload=upload,
            api_key=api_key,
            audio_url=audio_url,
            options=options,
        )
    except OverSpendLimit as exc:
        spend.note_refusal(exc)
        raise


def _queue(
    *,
    project_id: int,
    account_id: int,
    upload: Upload | None,
    api_key: ApiKey | None,
    audio_url: str,
    options: TranscriptOptions,
) -> Transcript:
    engine = get_engine()
    if not engine.supports_language(options.language_code):
        raise UnsupportedLanguage(
            f"language_code {options.language_code!r} is not supported: this server "
            "transcribes English (en, en_us, en_uk, en_au)."
        )
    sealed = ""
    if options.webhook_auth_header_value:
        sealed = seal_text(options.webhook_auth_header_value, purpose=WEBHOOK_HEADER_PURPOSE)
    with transaction.atomic():
        # First the account: its creates queue one after another, in admission order (C3).
        account = lock_account(project_id=project_id)
        if upload is not None:
            # Locked, so that the clean-up of unused uploads cannot take it meanwhile.
            live = Upload.objects.select_for_update().filter(pk=upload.pk, deleted_at__isnull=True)
            if not live.exists():
                raise UploadInaccessible("Cannot access uploaded file")
        transcript = Transcript.objects.create(
            project_id=project_id,
            upload=upload,
            api_key=api_key,
            api_key_name=api_key.name if api_key else "",
            audio_url=audio_url,
            remote_audio=upload is None,
            language_code=options.language_code,
            speech_model=options.speech_model,
            speech_model_used=engine.name,
            punctuate=options.punctuate,
            format_text=options.format_text,
            word_boost=list(options.word_boost),
            boost_param=options.boost_param,
            keyterms_prompt=list(options.keyterms_prompt),
            audio_start_from=options.audio_start_from,
            audio_end_at=options.audio_end_at,
            webhook_url=options.webhook_url,
            webhook_auth_header_name=options.webhook_auth_header_name,
            webhook_auth_header_sealed=sealed,
        )
        if upload is not None:
            # The worst case is known now (a remote file's once the worker has fetched it).
            with storage.local_path(upload.path) as path:
                spend.reserve(transcript, account_id=account_id, path=path)
        else:
            # Not fetched yet, so nothing to hold; a limit already reached refuses it now.
            spend.refuse_if_reached(transcript, account_id=account_id)
        # Started at once when the account has a free slot; else it waits its turn, queued.
        transcripts_start_waiting(account)
    return transcript


def console_transcribe(
    *,
    account: Account,
    actor: User,
    project: Project,
    file: "UploadedFile[bytes]",
    upload_url: Callable[[Upload], str],
) -> Transcript:
    """Upload a file from the Transcripts page and queue its transcript, as the API would.

    `upload_url(upload)` gives the absolute URL the transcript names as its audio_url.
    No API key is involved: the usage is the project's, with no key.
    """
    ensure_can(actor=actor, account=account, action=Action.MANAGE_PROJECTS)
    file_name = file.name
    if not file_name:
        # As a form's FileField says of a file with no name.
        raise ValidationError("No file was submitted.")
    # SECURITY: only a live project of this account, whatever the caller looked up.
    live = Project.objects.for_account(account).filter(pk=project.pk).first()
    if live is None:
        raise ValidationError("This project has been deleted.")
    project = live
    upload = _store_upload(
        project_id=project.pk, api_key=None, stream=file, content_length=file.size
    )
    try:
        with transaction.atomic():
            transcript = _queue(
                project_id=project.pk,
                account_id=account.pk,
                upload=upload,
                api_key=None,
                audio_url=upload_url(upload),
                options=TranscriptOptions(),
            )
            audit_log(
                account=account,
                actor=actor,
                action=AuditAction.TRANSCRIPT_CREATE,
                target=transcript,
                target_label=f"{file_name} in {project.name}",
                metadata={"project": project.name, "file": file_name[:200], "bytes": upload.size},
            )
    except BaseException as exc:
        storage.delete(upload.path)
        upload.delete()
        if isinstance(exc, OverSpendLimit):
            spend.note_refusal(exc)
        raise
    return transcript


def transcript_delete(*, api_key: ApiKey, transcript: Transcript) -> Transcript:
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


def console_transcript_delete(
    *, account: Account, actor: User, transcript: Transcript
) -> Transcript:
    """The same deletion from the Transcripts page (Owners and Admins), audited."""
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
            action=AuditAction.TRANSCRIPT_DELETE,
            target=transcript,
            target_label=f"{transcript.pk} in {transcript.project.name}",
        )
    return transcript


def _forget(transcript: Transcript) -> None:
    if not transcript.is_finished:
        raise NotFinished(
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
    name = upload.path
    upload.deleted_at = timezone.now()
    upload.path = ""
    upload.save(update_fields=["deleted_at", "path"])
    if name:
        storage.delete_on_commit(name)


def project_transcripts_purge(*, project: Project) -> None:
    """Delete a project's uploads and transcripts and, after commit, their files (P4).

    Run by the project's deletion (`projects.signals.project_deleted`), inside its transaction.
    """
    unfinished = Transcript.objects.filter(
        project=project, status__in=[Transcript.Status.QUEUED, Transcript.Status.PROCESSING]
    ).values_list("pk", flat=True)
    spend.release_all([spend.usage_key(pk) for pk in unfinished])
    Transcript.objects.filter(project=project).delete()
    Upload.objects.filter(project=project).delete()
    storage.delete_project_files_on_commit([project.pk])
