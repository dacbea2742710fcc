"""Key- or token-authenticated endpoints: no trailing slash, JSON errors, never a redirect."""

from django.urls import path, re_path

from transcripts import api

app_name = "v2"

urlpatterns = [
    path("v2/upload", api.upload, name="upload"),
    path("v2/upload/<str:upload_id>", api.upload_file, name="upload_file"),
    path("v2/transcript", api.transcripts_view, name="transcripts"),
    path("v2/transcript/<str:transcript_id>", api.transcript_view, name="transcript"),
    path(
        "v2/transcript/<str:transcript_id>/sentences",
        api.transcript_sentences,
        name="transcript_sentences",
    ),
    path(
        "v2/transcript/<str:transcript_id>/paragraphs",
        api.transcript_paragraphs,
        name="transcript_paragraphs",
    ),
    path(
        "v2/transcript/<str:transcript_id>/srt",
        api.transcript_subtitles,
        {"subtitle_format": "srt"},
        name="transcript_srt",
    ),
    path(
        "v2/transcript/<str:transcript_id>/vtt",
        api.transcript_subtitles,
        {"subtitle_format": "vtt"},
        name="transcript_vtt",
    ),
    path(
        "v2/transcript/<str:transcript_id>/word-search",
        api.transcript_word_search,
        name="transcript_word_search",
    ),
    # Last: every other path under /v2 answers in JSON too.
    re_path(r"^v2/(?P<rest>.*)$", api.unknown_endpoint, name="unknown"),
]
