"""Key- or token-authenticated endpoints: no trailing slash, JSON errors, never a redirect."""

from django.urls import path, re_path

from transcripts import api

app_name = "v2"

urlpatterns = [
    path("v2/upload", api.upload, name="upload"),
    path("v2/upload/<str:upload_id>", api.upload_file, name="upload_file"),
    path("v2/transcript", api.transcripts_view, name="transcripts"),
    path("v2/transcript/<str:transcript_id>", api.transcript_view, name="transcript"),
    # Last: every other path under /v2 answers in JSON too.
    re_path(r"^v2/(?P<rest>.*)$", api.unknown_endpoint, name="unknown"),
]
