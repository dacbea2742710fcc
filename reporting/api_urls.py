"""Key- or token-authenticated endpoints: no trailing slash, JSON errors, never a redirect."""

from django.urls import path

from reporting.limits import api as limits_api
from reporting.usage import api

app_name = "internal"

urlpatterns = [
    path("internal/usage/events", api.usage_events, name="usage_events"),
    path("internal/usage/authorize", limits_api.usage_authorize, name="usage_authorize"),
    path(
        "internal/usage/reservations/<uuid:reservation_id>/release",
        limits_api.usage_reservation_release,
        name="usage_reservation_release",
    ),
    path("internal/streaming/sessions", limits_api.streaming_sessions, name="streaming_sessions"),
    path(
        "internal/streaming/sessions/<uuid:session_id>/close",
        api.streaming_session_close,
        name="streaming_session_close",
    ),
]
