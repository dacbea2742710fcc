"""State changes of API keys (K1-K4). Each writes its audit entry, never the secret."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_log
from accounts.models import Account, AuditAction, User
from accounts.names import clean_name
from accounts.permissions import Action
from accounts.plans import Resource
from accounts.services import check_limit, ensure_can, locked_account
from apikeys import keys
from apikeys.models import ApiKey
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
    return clean_name(name, what="key", max_length=ApiKey._meta.get_field("name").max_length)


@transaction.atomic
def apikey_create(
    *, account: Account, actor: User, project: Project, name: str, create_token: str = ""
) -> IssuedKey:
    """Issue a key for `project`, within the account's key limit (K2, K4)."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_API_KEYS)
    name = _clean_name(name)
    account = locked_account(account)
    # SECURITY: the project is re-read from the account under the lock; a
    # project deleted meanwhile (a stale form) gets no key.
    project = Project.objects.for_account(account).filter(pk=project.pk).first()
    if project is None:
        raise ValidationError({"project": "That project no longer exists. Choose another one."})
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
        created_by=actor,
        created_by_email=actor.email,
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
def apikey_delete(*, account: Account, actor: User, api_key: ApiKey) -> None:
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
