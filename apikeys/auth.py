"""API key authentication: the functions the APIs call for every request.

`authenticate` for the /v2 API (project keys), `authenticate_admin` for the admin
API (admin keys); neither accepts the other's kind of key. One indexed lookup on
the digest; expiry, allowlist and scope are checked in memory on the row it
returns; `last_used_*` is written at most once per key per LAST_USED_RESOLUTION.
"""

from datetime import timedelta

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from apikeys import keys, network, scopes
from apikeys.models import AdminKey, ApiKey

# `last_used_at` is refreshed at most this often per key, so that authentication
# does not write to the database on every request.
LAST_USED_RESOLUTION = timedelta(minutes=5)

INVALID = "Authentication error, API token missing/invalid"
EXPIRED = "API key expired"


class KeyAuthError(Exception):
    """The request carries no usable key (401); the message is safe to show the caller."""


class KeyForbidden(Exception):
    """The key is valid but may not make this request (403): its allowlist or its scope."""


def authenticate(header_value: str | None) -> ApiKey:
    """Return the live, unexpired ApiKey (with its project) named by an `Authorization` value.

    Accepts the raw key, as the platform's SDK sends it, or `Bearer <key>`.
    Raises KeyAuthError for a missing, malformed, unknown, deleted or expired key.
    """
    if not header_value or not header_value.strip():
        raise KeyAuthError(INVALID)
    value = _bare_key(header_value)
    if keys.is_well_formed(value, keys.ADMIN_KEY_PREFIX):
        raise KeyAuthError(ADMIN_KEY_ON_V2)
    if not keys.is_well_formed(value):
        raise KeyAuthError(INVALID)
    # SECURITY: one indexed lookup on the digest; deleted keys and keys of
    # deleted projects never match.
    api_key = (
        ApiKey.objects.live()
        .select_related("project", "project__account")
        .filter(digest=keys.digest(value))
        .first()
    )
    if api_key is None:
        raise KeyAuthError(INVALID)
    # SECURITY: from `expires_at` on (a roll's overlap included) the key is refused;
    # it is told apart from an unknown key so that its owner knows to replace it (K5).
    if api_key.is_expired():
        raise KeyAuthError(EXPIRED)
    return api_key


def authorize(
    api_key: ApiKey, *, route: str | None, method: str, path: str, client_ip: str
) -> None:
    """Raise KeyForbidden unless the key may make this request from `client_ip` (K7)."""
    # SECURITY: the allowlist first: a key used from elsewhere learns nothing more.
    if api_key.allowed_ips and not network.allowlist_permits(api_key.allowed_ips, client_ip):
        raise KeyForbidden(f"This API key cannot be used from {client_ip or 'an unknown address'}")
    if not scopes.allows(api_key.scope, route, method):
        raise KeyForbidden(scopes.refusal(api_key.scope, route, method, path))


def authorize_request(request: HttpRequest, api_key: ApiKey) -> None:
    """`authorize` for a resolved request, then record the use (its time and address)."""
    client_ip = network.client_address(request.META)
    match = request.resolver_match
    authorize(
        api_key,
        route=match.view_name if match is not None else None,
        method=request.method or "GET",
        path=request.path,
        client_ip=client_ip,
    )
    record_use(api_key, client_ip)


def record_use(api_key: ApiKey, client_ip: str = "") -> None:
    """Write `last_used_at` and `last_used_ip`, at most once per key per LAST_USED_RESOLUTION."""
    now = timezone.now()
    stale_before = now - LAST_USED_RESOLUTION
    if api_key.last_used_at is None or api_key.last_used_at < stale_before:
        address = client_ip or None
        ApiKey.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale_before), pk=api_key.pk
        ).update(last_used_at=now, last_used_ip=address)
        api_key.last_used_at = now
        api_key.last_used_ip = address


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
