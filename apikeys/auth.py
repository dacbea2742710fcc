"""API key authentication: the one function the API calls for every request."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from apikeys import keys
from apikeys.models import ApiKey

# `last_used_at` is refreshed at most this often per key, so that authentication
# does not write to the database on every request.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class KeyAuthError(Exception):
    """The request carries no usable key; the message is safe to show the caller."""


def authenticate(header_value: str | None) -> ApiKey:
    """Return the live ApiKey (with its project) named by an `Authorization` header value.

    Accepts the raw key, as the platform's SDK sends it, or `Bearer <key>`.
    Raises KeyAuthError for a missing, malformed, unknown or deleted key.
    """
    if not header_value or not header_value.strip():
        raise KeyAuthError("Authentication error, API token missing/invalid")
    value = header_value.strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    if not keys.is_well_formed(value):
        raise KeyAuthError("Authentication error, API token missing/invalid")
    # SECURITY: one indexed lookup on the digest; deleted keys and keys of
    # deleted projects never match.
    api_key = (
        ApiKey.objects.live()
        .select_related("project", "project__account")
        .filter(digest=keys.digest(value))
        .first()
    )
    if api_key is None:
        raise KeyAuthError("Authentication error, API token missing/invalid")
    _touch(api_key)
    return api_key


def _touch(api_key: ApiKey) -> None:
    now = timezone.now()
    stale_before = now - LAST_USED_RESOLUTION
    if api_key.last_used_at is None or api_key.last_used_at < stale_before:
        ApiKey.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale_before), pk=api_key.pk
        ).update(last_used_at=now)
        api_key.last_used_at = now
