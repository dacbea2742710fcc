"""The Transcripts pages of a project (dashboard side of the /v2 API)."""

from django.urls import path

from transcripts import views

app_name = "transcripts"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("new/", views.create, name="create"),
    path("<uuid:transcript_id>/", views.detail, name="detail"),
    path("<uuid:transcript_id>/delete/", views.delete, name="delete"),
]
