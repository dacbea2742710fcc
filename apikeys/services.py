"""State changes of API keys (K1-K7) and admin keys (X1). Each writes its audit entry, never the secret."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.actors import KEY_ROLES, Actor, actor_name, user_or_none
from accounts.audit import audit_log
from accounts.emails import send_on_commit
from accounts.models import Account, AuditAction, Membership
from accounts.names import clean_name
from accounts.permissions import Action, Role, can
from accounts.plans import Resource
from accounts.services import check_limit, ensure_can, locked_account
from apikeys import keys, network
from apikeys.expiry import LIFETIME_DAYS, lifetime_label
from apikeys.models import AdminKey, ApiKey, ExpiryNotice
from apikeys.scopes import Scope
from apikeys.signals import api_key_expired, api_key_expiring
from projects.models import Project

ROLLED_SUFFIX = " (rolled)"
# The form's "now" and the service's differ by the time a request takes.
_POLICY_SLACK = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedKey:
    """A key just made: `secret` exists only here, to be shown once."""

    api_key: ApiKey
    secret: str


class AlreadyCreated(Exception):
    """The create form was submitted again; its key exists and is not made twice."""

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key
        super().__init__(
            f"The key “{api_key.name}” was already created from this form. "
            "Its secret was shown once and cannot be shown again."
        )


def _clean_name(name: str) -> str:
    return clean_name(name, what="key", max_length=ApiKey._meta.get_field("name").max_length)


def _clean_scope(scope: str) -> Scope:
    try:
        return Scope(scope)
    except ValueError:
        raise ValidationError({"scope": "Choose full, transcribe or read."}) from None


def _clean_allowlist(allowed_ips: Sequence[str]) -> list[str]:
    try:
        return network.clean_allowlist(allowed_ips)
    except ValidationError as error:
        raise ValidationError({"allowed_ips": error.messages}) from None


def _check_expiry(account: Account, expires_at: datetime | None, now: datetime) -> None:
    """New keys meet the account's maximum lifetime (K5); existing keys are never touched."""
    if expires_at is not None and expires_at <= now:
        raise ValidationError({"expires": "Choose an expiry date in the future."})
    days = account.max_key_lifetime_days
    if days is None:
        return
    if expires_at is None or expires_at > now + timedelta(days=days) + _POLICY_SLACK:
        raise ValidationError(
            {
                "expires": f"Your account's policy requires keys to expire within {days} days "
                f"(by {(now + timedelta(days=days)).date():%d %b %Y})."
            }
        )


@transaction.atomic
def apikey_create(
    *,
    account: Account,
    actor: Actor,
    project: Project,
    name: str,
    create_token: str = "",
    expires_at: datetime | None = None,
    scope: str = Scope.FULL,
    allowed_ips: Sequence[str] = (),
) -> IssuedKey:
    """Issue a key for `project`, within the account's key limit and lifetime policy (K2-K7)."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_API_KEYS)
    name = _clean_name(name)
    scope = _clean_scope(scope)
    allowed = _clean_allowlist(allowed_ips)
    account = locked_account(account)
    _check_expiry(account, expires_at, timezone.now())
    # SECURITY: the project is re-read from the account under the lock; a
    # project deleted meanwhile (a stale form) gets no key.
    live = Project.objects.for_account(account).filter(pk=project.pk).first()
    if live is None:
        raise ValidationError({"project": "That project no longer exists. Choose another one."})
    project = live
    if create_token:
        existing = ApiKey.objects.filter(
            project__account=account, create_token=create_token
        ).first()
        if existing is not None:
            raise AlreadyCreated(existing)
    check_limit(account, Resource.API_KEYS)
    secret = keys.generate_key()
    api_key = ApiKey.objects.create(
        project=project,
        name=name,
        prefix=keys.display_prefix(secret),
        digest=keys.digest(secret),
        created_by=user_or_none(actor),
        created_by_email=actor_name(actor),
        create_token=create_token,
        expires_at=expires_at,
        scope=scope,
        allowed_ips=allowed,
    )
    audit_log(
        account=account,
        actor=actor,
        action=AuditAction.APIKEY_CREATE,
        target=api_key,
        metadata={"project": project.name, "prefix": api_key.prefix, **_key_settings(api_key)},
    )
    return IssuedKey(api_key=api_key, secret=secret)


def _key_settings(api_key: ApiKey) -> dict:
    return {
        "scope": api_key.scope,
        "allowed_ips": list(api_key.allowed_ips),
        "expires_at": api_key.expires_at.isoformat() if api_key.expires_at else None,
    }


def _lock_live_key(account: Account, api_key: ApiKey) -> ApiKey:
    # SECURITY: re-read from the account under a lock; a foreign or deleted key is refused.
    live = (
        ApiKey.objects.for_account(account)
        .select_for_update(of=("self",))
        .select_related("project")
        .filter(pk=api_key.pk)
        .first()
    )
    if live is None:
        raise ValidationError("This key was already deleted.")
    return live


def _rolled_name(name: str) -> str:
    base = name if name.endswith(ROLLED_SUFFIX) else name + ROLLED_SUFFIX
    limit = ApiKey._meta.get_field("name").max_length or 100
    return base if len(base) <= limit else name[: limit - len(ROLLED_SUFFIX)] + ROLLED_SUFFIX


@transaction.atomic
def apikey_roll(
    *, account: Account, actor: Actor, api_key: ApiKey, overlap: timedelta
) -> IssuedKey:
    """Issue the key's successor and let the old key work for `overlap` more (K6).

    The successor has the same project, scope, allowlist and lifetime (within the
    account's policy). Rolled twice at once, one roll wins; the other is refused.
    """
    ensure_can(actor=actor, account=account, action=Action.MANAGE_API_KEYS)
    if overlap < timedelta(0):
        raise ValidationError({"overlap": "Choose how long the old key keeps working."})
    account = locked_account(account)
    old = _lock_live_key(account, api_key)
    now = timezone.now()
    successor = ApiKey.objects.filter(rolled_from=old).first()
    if successor is not None:
        raise ValidationError(
            f"The key “{old.name}” was already rolled: its successor is “{successor.name}” "
            f"({successor.prefix}…)."
        )
    if old.is_expired(now):
        raise ValidationError(f"The key “{old.name}” has expired: create a new key instead.")
    # No check_limit: the successor takes the old key's place in the count (ApiKey.counted).
    lifetime = old.lifetime
    days = account.max_key_lifetime_days
    if days is not None and (lifetime is None or lifetime > timedelta(days=days)):
        lifetime = timedelta(days=days)
    secret = keys.generate_key()
    new = ApiKey.objects.create(
        project=old.project,
        name=_rolled_name(old.name),
        prefix=keys.display_prefix(secret),
        digest=keys.digest(secret),
        created_by=user_or_none(actor),
        created_by_email=actor_name(actor),
        expires_at=now + lifetime if lifetime is not None else None,
        scope=old.scope,
        allowed_ips=list(old.allowed_ips),
        rolled_from=old,
    )
    ends = now + overlap
    old.expires_at = ends if old.expires_at is None else min(old.expires_at, ends)
    # The person who rolled chose the overlap: no "expires soon" notices, only "expired".
    old.expiry_notice = max(old.expiry_notice, ExpiryNotice.DAYS_1)
    old.save(update_fields=["expires_at", "expiry_notice"])
    audit_log(
        account=account,
        actor=actor,
        action=AuditAction.APIKEY_ROLL,
        target=old,
        metadata={
            "successor": new.prefix,
            "successor_id": new.pk,
            "works_until": old.expires_at.isoformat(),
        },
    )
    audit_log(
        account=account,
        actor=actor,
        action=AuditAction.APIKEY_CREATE,
        target=new,
        metadata={
            "project": new.project.name,
            "prefix": new.prefix,
            "rolled_from": old.prefix,
            **_key_settings(new),
        },
    )
    return IssuedKey(api_key=new, secret=secret)


@transaction.atomic
def apikey_update(
    *, account: Account, actor: Actor, api_key: ApiKey, scope: str, allowed_ips: Sequence[str]
) -> ApiKey:
    """Change a key's scope or IP allowlist (K7); each change is its own audit entry."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_API_KEYS)
    scope = _clean_scope(scope)
    allowed = _clean_allowlist(allowed_ips)
    live = _lock_live_key(account, api_key)
    if scope != live.scope:
        audit_log(
            account=account,
            actor=actor,
            action=AuditAction.APIKEY_SCOPE_CHANGE,
            target=live,
            metadata={"from": live.scope, "to": scope},
        )
        live.scope = scope
    if allowed != list(live.allowed_ips):
        audit_log(
            account=account,
            actor=actor,
            action=AuditAction.APIKEY_ALLOWLIST_CHANGE,
            target=live,
            metadata={"from": list(live.allowed_ips), "to": allowed},
        )
        live.allowed_ips = allowed
    live.save(update_fields=["scope", "allowed_ips"])
    return live


@transaction.atomic
def account_key_lifetime_update(*, account: Account, actor: Actor, max_days: int | None) -> Account:
    """Set the account's maximum key lifetime (K5): new keys must meet it, old ones are listed."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_SETTINGS)
    if max_days is not None and max_days not in LIFETIME_DAYS:
        raise ValidationError({"max_days": "Choose one of the lifetimes offered."})
    account = locked_account(account)
    before = account.max_key_lifetime_days
    if before != max_days:
        account.max_key_lifetime_days = max_days
        account.save(update_fields=["max_key_lifetime_days"])
        audit_log(
            account=account,
            actor=actor,
            action=AuditAction.ACCOUNT_KEY_LIFETIME,
            target=account,
            metadata={"from": lifetime_label(before), "to": lifetime_label(max_days)},
        )
    return account


# Each notice is sent once: a key's `expiry_notice` moves forward in the same
# transaction that sends it, and concurrent runs skip the rows another one holds.
_NOTICE_BATCH = 200


def apikey_expiry_notices_send(*, now: datetime | None = None) -> int:
    """Mail Owners and Admins 7 days and 1 day before a key expires, and when it has (K5).

    Also sends `api_key_expiring` / `api_key_expired` and audits the expiry. Returns
    the number of notices sent; run it as often as you like.
    """
    now = now or timezone.now()
    due = (
        Q(expires_at__lte=now, expiry_notice__lt=ExpiryNotice.EXPIRED)
        | Q(expires_at__lte=now + timedelta(days=1), expiry_notice__lt=ExpiryNotice.DAYS_1)
        | Q(expires_at__lte=now + timedelta(days=7), expiry_notice__lt=ExpiryNotice.DAYS_7)
    )
    sent = 0
    while True:
        with transaction.atomic():
            batch = list(
                ApiKey.objects.live()
                .filter(due)
                .select_for_update(of=("self",), skip_locked=True)
                .select_related("project", "project__account")
                .order_by("expires_at", "pk")[:_NOTICE_BATCH]
            )
            for api_key in batch:
                _send_notice(api_key, now)
            sent += len(batch)
        if len(batch) < _NOTICE_BATCH:
            return sent


def _send_notice(api_key: ApiKey, now: datetime) -> None:
    assert api_key.expires_at is not None
    if api_key.expires_at <= now:
        stage = ExpiryNotice.EXPIRED
    elif api_key.expires_at <= now + timedelta(days=1):
        stage = ExpiryNotice.DAYS_1
    else:
        stage = ExpiryNotice.DAYS_7
    api_key.expiry_notice = stage
    api_key.save(update_fields=["expiry_notice"])
    account = api_key.project.account
    when = f"{api_key.expires_at:%d %b %Y %H:%M} UTC"
    what = f"The API key “{api_key.name}” ({api_key.prefix}…) of the project {api_key.project.name}"
    link = settings.SITE_URL.rstrip("/") + reverse("apikeys:detail", args=[api_key.pk])
    if stage == ExpiryNotice.EXPIRED:
        audit_log(
            account=account,
            actor=None,
            action=AuditAction.APIKEY_EXPIRE,
            target=api_key,
            metadata={"expired_at": api_key.expires_at.isoformat()},
        )
        subject = f"API key “{api_key.name}” has expired"
        body = f"{what} expired at {when}: requests with it now get 401 “API key expired”."
        transaction.on_commit(
            lambda: api_key_expired.send(sender=ApiKey, api_key=api_key), robust=True
        )
    else:
        days_left = 7 if stage == ExpiryNotice.DAYS_7 else 1
        subject = f"API key “{api_key.name}” expires in {'1 day' if days_left == 1 else '7 days'}"
        body = f"{what} expires at {when}. Roll it to get its successor before then."
        transaction.on_commit(
            lambda: api_key_expiring.send(sender=ApiKey, api_key=api_key, days_left=days_left),
            robust=True,
        )
    # Those who may roll or delete the key, as the permission table says.
    recipients = [
        m.user.email
        for m in Membership.objects.for_account(account).select_related("user")
        if can(m, Action.MANAGE_API_KEYS)
    ]
    send_on_commit(subject=subject, body=f"{body}\n\n{link}\n", recipients=recipients)


@transaction.atomic
def apikey_delete(*, account: Account, actor: Actor, api_key: ApiKey) -> None:
    """Delete a key: it stops authenticating with the next request (K3)."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_API_KEYS)
    live = _lock_live_key(account, api_key)
    live.deleted_at = timezone.now()
    live.save(update_fields=["deleted_at"])
    audit_log(
        account=account,
        actor=actor,
        action=AuditAction.APIKEY_DELETE,
        target=live,
        target_label=live.name,
        metadata={"project": live.project.name, "prefix": live.prefix},
    )


# Admin keys (X1) ----------------------------------------------------------------

# Admin keys are few by nature (one per automation); this keeps a leaked-session
# spree or a runaway script from minting thousands.
MAX_ADMIN_KEYS_PER_ACCOUNT = 20
MAX_ADMIN_KEY_LIFETIME = timedelta(days=730)


@dataclass(frozen=True)
class IssuedAdminKey:
    """An admin key just made: `secret` exists only here, to be shown once."""

    admin_key: AdminKey
    secret: str


def _clean_admin_key(name: str, role: str, expires_at: datetime | None) -> tuple[str, Role]:
    errors = {}
    try:
        name = _clean_name(name)
    except ValidationError as error:
        errors.update(error.message_dict)
    if role not in {r.value for r in KEY_ROLES}:
        errors["role"] = ["Choose Admin or Reader: an admin key is never an Owner."]
    if expires_at is not None:
        if timezone.is_naive(expires_at):
            errors["expires_at"] = ["Give the expiry with its UTC offset."]
        elif expires_at <= timezone.now():
            errors["expires_at"] = ["Choose an expiry in the future."]
        elif expires_at > timezone.now() + MAX_ADMIN_KEY_LIFETIME:
            errors["expires_at"] = [
                f"Choose an expiry at most {MAX_ADMIN_KEY_LIFETIME.days} days ahead."
            ]
    if errors:
        raise ValidationError(errors)
    return name, Role(role)


@transaction.atomic
def admin_key_create(
    *,
    account: Account,
    actor: Actor,
    name: str,
    role: str,
    expires_at: datetime | None = None,
) -> IssuedAdminKey:
    """Issue an account-level admin key with `role` (Admin or Reader); shown once (X1)."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_API_KEYS)
    name, key_role = _clean_admin_key(name, role, expires_at)
    account = locked_account(account)
    if AdminKey.objects.for_account(account).count() >= MAX_ADMIN_KEYS_PER_ACCOUNT:
        raise ValidationError(
            f"An account can have at most {MAX_ADMIN_KEYS_PER_ACCOUNT} admin keys: delete one first."
        )
    secret = keys.generate_key(keys.ADMIN_KEY_PREFIX)
    admin_key = AdminKey.objects.create(
        account=account,
        name=name,
        role=key_role,
        prefix=keys.display_prefix(secret),
        digest=keys.digest(secret),
        created_by=user_or_none(actor),
        created_by_email=actor_name(actor),
        expires_at=expires_at,
    )
    audit_log(
        account=account,
        actor=actor,
        action=AuditAction.ADMINKEY_CREATE,
        target=admin_key,
        metadata={
            "role": key_role.value,
            "prefix": admin_key.prefix,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return IssuedAdminKey(admin_key=admin_key, secret=secret)


@transaction.atomic
def admin_key_delete(*, account: Account, actor: Actor, admin_key: AdminKey) -> None:
    """Delete an admin key: it stops authenticating with the next request."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_API_KEYS)
    # SECURITY: re-read from the account; a foreign or already deleted key is refused.
    live = AdminKey.objects.for_account(account).select_for_update().filter(pk=admin_key.pk).first()
    if live is None:
        raise ValidationError("This admin key was already deleted.")
    live.deleted_at = timezone.now()
    live.save(update_fields=["deleted_at"])
    audit_log(
        account=account,
        actor=actor,
        action=AuditAction.ADMINKEY_DELETE,
        target=live,
        target_label=live.name,
        metadata={"role": live.role, "prefix": live.prefix},
    )
