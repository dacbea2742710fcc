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
    list_display = ("id", "project", "status", "audio_duration", "api_key_name", "created_at")
    list_filter = ("status",)
    search_fields = ("id", "project__name", "project__account__name")
    list_select_related = ("project",)
    exclude = ("text", "words")
