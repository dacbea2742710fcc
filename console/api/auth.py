"""Who calls the admin API: an admin key, checked and rate limited on every request."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from accounts.actors import ApiActor
from accounts.models import Account
from accounts.plans import get_plan
from accounts.services import ensure_can
from apikeys.auth import KeyAuthError, authenticate_admin
from apikeys.models import AdminKey
from apikeys.ratelimits import count_request


class AdminAuthFailed(Exception):
    """No usable admin key: a 401 whose message says why."""


class RateLimited(Exception):
    """The key made more requests this minute than its plan allows: a 429."""

    def __init__(self, retry_after: int, limit: int) -> None:
        self.retry_after = retry_after
        self.limit = limit
        super().__init__(
            f"Too many requests: this admin key may make {limit} a minute. "
            f"Retry in {retry_after} s."
        )


class AdminKeyAuth(HttpBearer):
    """`Authorization: Bearer ak_admin_…` (the bare key works too)."""

    def __call__(self, request: HttpRequest) -> AdminKey:
        try:
            # SECURITY: the admin key is the only credential; a session cookie counts for nothing.
            admin_key = authenticate_admin(request.headers.get("Authorization"))
        except KeyAuthError as error:
            raise AdminAuthFailed(str(error)) from None
        request.auth = admin_key  # type: ignore[attr-defined]
        limit = get_plan(admin_key.account.plan).admin_api_per_minute
        rate = count_request(
            request, group="admin-api", key=f"admin-key:{admin_key.pk}", limit=limit
        )
        if rate.exceeded:
            raise RateLimited(rate.retry_after, limit)
        return admin_key

    def authenticate(self, request: HttpRequest, token: str) -> AdminKey | None:
        raise NotImplementedError  # __call__ does it all


def acting(request: HttpRequest, action: str) -> tuple[Account, ApiActor]:
    """The key's account and actor, once the permission table allows `action` (else 403)."""
    admin_key: AdminKey = request.auth  # type: ignore[attr-defined]
    actor = admin_key.actor()
    account = admin_key.account
    ensure_can(actor=actor, account=account, action=action)
    return account, actor
