"""State changes of API keys (K1-K4) and admin keys (X1). Each writes its audit entry, never the secret."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.actors import KEY_ROLES, Actor, actor_name, user_or_none
from accounts.audit import audit_log
from accounts.models import Account, AuditAction
from accounts.permissions import Action, Role
from accounts.plans import Resource
from accounts.services import check_limit, ensure_can, locked_account
from apikeys import keys
from apikeys.models import AdminKey, ApiKey
from projects.models import Project


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
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Enter a name for the key."})
    limit = ApiKey._meta.get_field("name").max_length
    if limit is not None and len(name) > limit:
        raise ValidationError({"name": f"Use at most {limit} characters for the key's name."})
    return name


@transaction.atomic
def apikey_create(
    *, account: Account, actor: Actor, project: Project, name: str, create_token: str = ""
) -> IssuedKey:
    """Issue a key for `project`, within the account's key limit (K2, K4)."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_API_KEYS)
    name = _clean_name(name)
    account = locked_account(account)
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
    )
    audit_log(
        account=account,
        actor=actor,
        action=AuditAction.APIKEY_CREATE,
        target=api_key,
        metadata={"project": project.name, "prefix": api_key.prefix},
    )
    return IssuedKey(api_key=api_key, secret=secret)


@transaction.atomic
def apikey_delete(*, account: Account, actor: Actor, api_key: ApiKey) -> None:
    """Delete a key: it stops authenticating with the next request (K3)."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_API_KEYS)
    # SECURITY: re-read from the account; a foreign or already deleted key is refused.
    live = (
        ApiKey.objects.for_account(account)
        .select_for_update(of=("self",))
        .select_related("project")
        .filter(pk=api_key.pk)
        .first()
    )
    if live is None:
        raise ValidationError("This key was already deleted.")
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
