"""Key authentication: `authenticate` for the /v2 API (project keys), `authenticate_admin`
for the admin API (admin keys). Neither accepts the other's kind of key."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from apikeys import keys
from apikeys.models import AdminKey, ApiKey

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
    value = _bare_key(header_value)
    if keys.is_well_formed(value, keys.ADMIN_KEY_PREFIX):
        raise KeyAuthError(ADMIN_KEY_ON_V2)
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


ADMIN_KEY_ON_V2 = (
    "Authentication error: this is an admin key (ak_admin_…), which works only on "
    "/v1/admin/. Use a project API key (ak_live_…) here."
)
PROJECT_KEY_ON_ADMIN = (
    "This is a project API key (ak_live_…), which works only on /v2. The admin API takes "
    "an admin key (ak_admin_…), created on the Account page."
)
ADMIN_KEY_MISSING = (
    "Send an admin key (ak_admin_…) in the Authorization header: `Bearer ak_admin_…`."
)
ADMIN_KEY_INVALID = "This admin key is not valid: it is mistyped, unknown or deleted."


def _bare_key(header_value: str) -> str:
    value = header_value.strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    return value


def authenticate_admin(header_value: str | None) -> AdminKey:
    """Return the live, unexpired AdminKey (with its account) named by an `Authorization` value.

    Raises KeyAuthError, with a message saying which, for a missing, malformed,
    unknown, deleted or expired key, and for a project key.
    """
    if not header_value or not header_value.strip():
        raise KeyAuthError(ADMIN_KEY_MISSING)
    value = _bare_key(header_value)
    if keys.is_well_formed(value):
        raise KeyAuthError(PROJECT_KEY_ON_ADMIN)
    if not keys.is_well_formed(value, keys.ADMIN_KEY_PREFIX):
        raise KeyAuthError(ADMIN_KEY_INVALID)
    # SECURITY: one indexed lookup on the digest; deleted keys never match.
    admin_key = (
        AdminKey.objects.live().select_related("account").filter(digest=keys.digest(value)).first()
    )
    if admin_key is None:
        raise KeyAuthError(ADMIN_KEY_INVALID)
    if admin_key.expires_at is not None and admin_key.is_expired():
        raise KeyAuthError(
            f"This admin key expired on {admin_key.expires_at:%Y-%m-%d %H:%M} UTC: "
            "create a new one on the Account page."
        )
    _touch(admin_key)
    return admin_key


def _touch(key: ApiKey | AdminKey) -> None:
    now = timezone.now()
    stale_before = now - LAST_USED_RESOLUTION
    if key.last_used_at is None or key.last_used_at < stale_before:
        type(key).objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale_before), pk=key.pk
        ).update(last_used_at=now)
        key.last_used_at = now
