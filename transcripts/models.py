import uuid
from typing import Self

from django.db import models

from accounts.tenancy import TenantQuerySet
from projects.models import Project


class Upload(models.Model):
    """A file sent to `POST /v2/upload`, usable only by keys of its project (P3)."""

    # The public id, part of the upload URL: unguessable, unlike a sequence.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="uploads"
    )
    api_key = models.ForeignKey(
        "apikeys.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The file's name in `default_storage` (transcripts.storage); emptied when it is removed.
    path = models.CharField(max_length=255, blank=True)
    size = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table it had when it lived in projects (moved in state only).
        db_table = "projects_upload"
        ordering = ["-created_at"]
        indexes = [
            # The clean-up's query: live uploads by age (transcripts.housekeeping.uploads_purge_unused).
            models.Index(
                fields=["created_at"],
                condition=models.Q(deleted_at__isnull=True),
                name="upload_live_created",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class TranscriptQuerySet(TenantQuerySet["Transcript"]):
    account_lookup = "project__account"

    def live(self) -> Self:
        return self.filter(project__deleted_at__isnull=True)

    def for_project(self, project: Project) -> Self:
        # SECURITY: every API query starts from the key's project (P2).
        return self.filter(project=project)


class Transcript(models.Model):
    """A transcription job of an upload, shaped like the reference API's transcript."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        COMPLETED = "completed", "Completed"
        ERROR = "error", "Error"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="transcripts"
    )
    upload = models.ForeignKey(
        Upload, null=True, blank=True, on_delete=models.SET_NULL, related_name="transcripts"
    )
    api_key = models.ForeignKey(
        "apikeys.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept apart from the key row so that lists and reports name the key even
    # after it is gone.
    api_key_name = models.CharField(max_length=100, blank=True)
    audio_url = models.CharField(max_length=2048)
    # An audio_url that is not one of our uploads: the worker fetches it (accounts.outbound).
    remote_audio = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    language_code = models.CharField(max_length=16, default="en_us")
    # What the caller asked for (null or one of the reference's names) and the
    # engine that really ran.
    speech_model = models.CharField(max_length=20, null=True, blank=True)
    speech_model_used = models.CharField(max_length=50, blank=True)
    text = models.TextField(null=True, blank=True)
    words = models.JSONField(null=True, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    audio_duration = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    # The options asked for (transcripts.options), echoed in every answer.
    punctuate = models.BooleanField(default=True)
    format_text = models.BooleanField(default=True)
    word_boost = models.JSONField(default=list, blank=True)
    boost_param = models.CharField(max_length=8, blank=True)
    keyterms_prompt = models.JSONField(default=list, blank=True)
    audio_start_from = models.PositiveIntegerField(null=True, blank=True)
    audio_end_at = models.PositiveIntegerField(null=True, blank=True)
    webhook_url = models.CharField(max_length=2048, blank=True)
    webhook_auth_header_name = models.CharField(max_length=100, blank=True)
    # SECURITY: the header's value is stored sealed (accounts.sealing) and never shown back.
    webhook_auth_header_sealed = models.TextField(blank=True)
    # The receiver's last answer (null: not sent yet, or no answer at all).
    webhook_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # When it took one of its account's transcription slots (transcripts.concurrency);
    # a queued transcript without one waits for a running one to finish.
    admitted_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # A transcript still processing after this moment is moved to error.
    deadline_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = TranscriptQuerySet.as_manager()

    class Meta:
        # The table it had when it lived in projects (moved in state only).
        db_table = "projects_transcript"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["project", "-created_at"], name="transcript_project_recent"),
            # The watchdog's queries: only the few unfinished rows, however many finished.
            models.Index(
                fields=["created_at"],
                condition=models.Q(status__in=["queued", "processing"]),
                name="transcript_unfinished",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_waiting_for_slot(self) -> bool:
        return self.status == self.Status.QUEUED and self.admitted_at is None

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.COMPLETED, self.Status.ERROR)
