from django.contrib import admin

from accounts.admin import ReadOnlyAdmin
from transcripts.models import Transcript, Upload


@admin.register(Upload)
class UploadAdmin(ReadOnlyAdmin):
    list_display = ("id", "project", "size", "created_at", "deleted_at")
    search_fields = ("id", "project__name", "project__account__name")
    list_select_related = ("project",)


@admin.register(Transcript)
class TranscriptAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "project",
        "status",
        "waiting_for_slot",
        "audio_duration",
        "api_key_name",
        "created_at",
        "admitted_at",
    )
    list_filter = ("status", ("admitted_at", admin.EmptyFieldListFilter))
    search_fields = ("id", "project__name", "project__account__name")
    list_select_related = ("project",)
    exclude = ("text", "words")

    @admin.display(boolean=True, description="waiting for a slot")
    def waiting_for_slot(self, transcript: Transcript) -> bool:
        # Queued beyond its account's transcription concurrency (transcripts.concurrency).
        return transcript.is_waiting_for_slot
