"""Key- or token-authenticated endpoints: no trailing slash, JSON errors, never a redirect."""

from django.urls import path

from reporting.usage import api

app_name = "internal"

urlpatterns = [
    path("internal/usage/events", api.usage_events, name="usage_events"),
    path("internal/streaming/sessions", api.streaming_sessions, name="streaming_sessions"),
    path(
        "internal/streaming/sessions/<uuid:session_id>/close",
        api.streaming_session_close,
        name="streaming_session_close",
    ),
]
