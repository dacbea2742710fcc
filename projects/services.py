"""State changes of projects (P1, P4). Each writes its audit entry."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.actors import Actor, user_or_none
from accounts.audit import audit_log
from accounts.models import Account, AuditAction
from accounts.names import clean_name
from accounts.permissions import Action
from accounts.plans import Resource
from accounts.services import check_limit, ensure_can, locked_account
from projects.models import Project
from projects.signals import project_deleted


def _clean_name(name: str) -> str:
    return clean_name(name, what="project", max_length=Project._meta.get_field("name").max_length)


def _ensure_name_free(account: Account, name: str, *, exclude: Project | None = None) -> None:
    taken = Project.objects.for_account(account).filter(name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise ValidationError({"name": f"A project named “{name}” already exists."})


def _live_project(account: Account, project: Project) -> Project:
    # SECURITY: re-read inside the transaction from the account, so that a
    # foreign or meanwhile deleted project is refused.
    live = Project.objects.for_account(account).select_for_update().filter(pk=project.pk).first()
    if live is None:
        raise ValidationError("This project no longer exists.")
    return live


@transaction.atomic
def project_create(*, account: Account, actor: Actor, name: str) -> Project:
    """A new project, within the plan's project limit (P4)."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_PROJECTS)
    name = _clean_name(name)
    account = locked_account(account)
    check_limit(account, Resource.PROJECTS)
    _ensure_name_free(account, name)
    try:
        with transaction.atomic():
            project = Project.objects.create(
                account=account, name=name, created_by=user_or_none(actor)
            )
    except IntegrityError:
        raise ValidationError({"name": f"A project named “{name}” already exists."}) from None
    audit_log(account=account, actor=actor, action=AuditAction.PROJECT_CREATE, target=project)
    return project


@transaction.atomic
def project_rename(*, account: Account, actor: Actor, project: Project, name: str) -> Project:
    ensure_can(actor=actor, account=account, action=Action.MANAGE_PROJECTS)
    name = _clean_name(name)
    # The account lock orders renames and creates, so that the name check holds.
    account = locked_account(account)
    project = _live_project(account, project)
    old_name = project.name
    if name == old_name:
        return project
    _ensure_name_free(account, name, exclude=project)
    project.name = name
    try:
        with transaction.atomic():
            project.save(update_fields=["name"])
    except IntegrityError:
        raise ValidationError({"name": f"A project named “{name}” already exists."}) from None
    audit_log(
        account=account,
        actor=actor,
        action=AuditAction.PROJECT_RENAME,
        target=project,
        metadata={"from": old_name, "to": name},
    )
    return project


@transaction.atomic
def project_delete(*, account: Account, actor: Actor, project: Project) -> None:
    """Delete a project: its keys stop working at once; its name stays for reports (P4)."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_PROJECTS)
    account = locked_account(account)
    project = _live_project(account, project)
    now = timezone.now()

    # The apps above remove what hangs off the project in this transaction: its
    # keys (from this commit on they no longer authenticate), its uploads,
    # transcripts and (once committed) their files.
    metadata: dict[str, Any] = {}
    for _receiver, facts in project_deleted.send(
        sender=Project, project=project, actor=actor, deleted_at=now
    ):
        # django-stubs types a response as str | None; a receiver returns anything (stubs#841).
        metadata.update(facts or {})  # type: ignore[arg-type]

    project.deleted_at = now
    project.save(update_fields=["deleted_at"])
    audit_log(
        account=account,
        actor=actor,
        action=AuditAction.PROJECT_DELETE,
        target=project,
        target_label=project.name,
        metadata=metadata,
    )
