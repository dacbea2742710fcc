"""The Transcripts pages of a project (dashboard side of the /v2 API)."""

from django.urls import path

from projects import transcript_views

app_name = "transcripts"

urlpatterns = [
    path("", transcript_views.list_view, name="list"),
    path("new/", transcript_views.create, name="create"),
    path("<uuid:transcript_id>/", transcript_views.detail, name="detail"),
    path("<uuid:transcript_id>/delete/", transcript_views.delete, name="delete"),
]
