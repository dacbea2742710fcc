"""State changes of accounts, memberships and users. Each writes its audit entry."""

import logging

from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from accounts.actors import Actor, ApiActor, user_or_none
from accounts.audit import audit_log
from accounts.emails import send_on_commit
from accounts.models import Account, AuditAction, Membership, OwnershipTransferRequest, User
from accounts.names import clean_name
from accounts.permissions import Action, Role, can
from accounts.plans import LimitReached, PlanCode, limit_for, usage_of
from accounts.signals import account_deleting

_ACCOUNT_NAME_MAX = Account._meta.get_field("name").max_length


def locked_account(account) -> Account:
    """Lock the account row until the transaction ends; limit checks stand behind it."""
    return Account.objects.select_for_update().get(pk=account.pk)


def check_limit(account, resource) -> None:
    """Raise LimitReached if one more `resource` would exceed the plan's limit.

    Call it under `locked_account`: the count and the write that follows stand
    behind the account's row lock.
    """
    limit = limit_for(account, resource)
    if usage_of(account, resource) >= limit:
        raise LimitReached(account, resource, limit)


# The memberships the current request already loaded for its user (set by
# CurrentAccountMiddleware on request.user), with the generation they were
# loaded at: any membership saved or deleted since makes ensure_can read again.
_LOADED = "_loaded_memberships"
_generation = 0


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def _memberships_changed(**kwargs) -> None:
    global _generation
    _generation += 1


def remember_memberships(user, memberships: list[Membership]) -> None:
    """Let ensure_can reuse the memberships this request loaded for `user`."""
    setattr(user, _LOADED, (_generation, {m.account_id: m for m in memberships}))


def _loaded_membership(actor, account) -> Membership | None:
    generation, loaded = getattr(actor, _LOADED, (None, {}))
    membership = loaded.get(account.pk) if generation == _generation else None
    if membership is None or membership.user_id != actor.pk:
        return None
    return membership


def ensure_can(*, actor: Actor | None, account, action) -> Membership | ApiActor:
    """Return the actor's membership of `account` (an admin key: the key's actor itself),
    or raise PermissionDenied."""
    if isinstance(actor, ApiActor):
        # SECURITY: a key acts only in its own account, with the role it was given.
        if actor.account_id != account.pk or not actor.may(action):
            raise PermissionDenied("This admin key's role does not allow this.")
        return actor
    # One lookup per request: the membership the middleware loaded for this same
    # user and account is the one the database holds unless a membership changed
    # since (then, or outside a request, it is read again).
    membership = _loaded_membership(actor, account) or (
        Membership.objects.filter(user=actor, account=account).first()
    )
    # SECURITY: services check again what the view's decorator checked.
    if membership is None or not can(membership, action):
        raise PermissionDenied("Your role does not allow this.")
    return membership


@transaction.atomic
def account_create(*, owner: User, name: str, plan=PlanCode.FREE) -> Account:
    """A new account with `owner` as its Owner (A2)."""
    name = clean_name(name, what="account", max_length=_ACCOUNT_NAME_MAX)
    account = Account.objects.create(name=name, plan=plan)
    Membership.objects.create(user=owner, account=account, role=Role.OWNER)
    audit_log(account=account, actor=owner, action=AuditAction.ACCOUNT_CREATE, target=account)
    return account


@transaction.atomic
def account_rename(*, account: Account, actor: User, name: str) -> Account:
    ensure_can(actor=actor, account=account, action=Action.MANAGE_SETTINGS)
    account = locked_account(account)
    name = clean_name(name, what="account", max_length=_ACCOUNT_NAME_MAX)
    old_name = account.name
    if name != old_name:
        account.name = name
        account.save(update_fields=["name"])
        audit_log(
            account=account,
            actor=actor,
            action=AuditAction.ACCOUNT_RENAME,
            target=account,
            metadata={"from": old_name, "to": name},
        )
    return account


def _ensure_support(actor):
    if actor is None or not actor.is_staff:
        raise PermissionDenied("Only support staff can do this.")


@transaction.atomic
def support_account_update(*, account: Account, actor: User, changes: dict) -> Account:
    """Support staff edit plan, custom limits or settings in the admin."""
    _ensure_support(actor)
    allowed = {"name", "plan", "custom_max_projects", "custom_max_api_keys", "require_mfa"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    if "name" in changes:
        changes = {
            **changes,
            "name": clean_name(changes["name"], what="account", max_length=_ACCOUNT_NAME_MAX),
        }
    account = locked_account(account)
    before = {field: getattr(account, field) for field in changes}
    for field, value in changes.items():
        setattr(account, field, value)
    account.full_clean()
    account.save(update_fields=list(changes))
    audit_log(
        account=account,
        actor=actor,
        action=AuditAction.ACCOUNT_SUPPORT_UPDATE,
        target=account,
        by_support=True,
        metadata={
            f: {"from": before[f], "to": changes[f]} for f in changes if before[f] != changes[f]
        },
    )
    return account


@transaction.atomic
def support_transfer_ownership(*, account: Account, new_owner: User, actor: User) -> Membership:
    """Make `new_owner` (already a member) the Owner; the previous Owner becomes Admin (M5)."""
    _ensure_support(actor)
    account = locked_account(account)
    target = Membership.objects.select_for_update().filter(account=account, user=new_owner).first()
    if target is None:
        raise ValidationError("The new Owner must already be a member of the account.")
    if target.role == Role.OWNER:
        raise ValidationError("That member is already the Owner.")
    previous = (
        Membership.objects.select_for_update().filter(account=account, role=Role.OWNER).first()
    )
    # Demote first: the database allows at most one Owner at any moment.
    if previous is not None:
        previous.role = Role.ADMIN
        previous.save(update_fields=["role"])
    target.role = Role.OWNER
    target.save(update_fields=["role"])
    audit_log(
        account=account,
        actor=actor,
        action=AuditAction.ACCOUNT_TRANSFER_OWNERSHIP,
        target=account,
        by_support=True,
        metadata={
            "from": previous.user.email if previous else None,
            "to": new_owner.email,
        },
    )
    # Direct or on request, both Owners are told the same way (M5).
    send_on_commit(
        subject=f"Ownership of {account.name} transferred",
        body=(
            f"Support transferred the ownership of {account.name}: "
            f"{new_owner.email} is now its Owner and receives billing email"
            + (f"; {previous.user.email} is now an Admin." if previous else ".")
        ),
        recipients=[new_owner.email] + ([previous.user.email] if previous else []),
    )
    return target


@transaction.atomic
def support_change_email(*, user: User, new_email: str, actor: User) -> User:
    """Change a user's login email (A4), keeping allauth's address book in step."""
    _ensure_support(actor)
    new_email = User.objects.normalize_email(new_email.strip()).lower()
    old_email = user.email
    if not new_email or new_email == old_email:
        raise ValidationError("Enter a new email address.")
    if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        raise ValidationError("Another user already has this email address.")
    user = User.objects.select_for_update().get(pk=user.pk)
    user.email = new_email
    user.save(update_fields=["email"])
    EmailAddress.objects.filter(user=user).delete()
    EmailAddress.objects.create(user=user, email=new_email, primary=True, verified=True)
    # SECURITY: whoever was signed in as the old address is signed out everywhere.
    ended = _end_sessions(UserSession.objects.filter(user=user))
    for membership in user.memberships.select_related("account"):
        audit_log(
            account=membership.account,
            actor=actor,
            action=AuditAction.USER_CHANGE_EMAIL,
            target=user,
            target_label=new_email,
            by_support=True,
            metadata={"from": old_email, "to": new_email, "sessions_ended": ended},
        )
    return user


def _end_sessions(sessions) -> int:
    count = 0
    for session in sessions.select_for_update():
        session.end()  # deletes it from the session store, then its row
        count += 1
    return count


@transaction.atomic
def user_session_end(*, user: User, session_id: int) -> UserSession:
    """End one of the user's own signed-in sessions (Security page); audited in their accounts."""
    # SECURITY: looked up among the user's own sessions only: another's id is "already ended".
    session = UserSession.objects.select_for_update().filter(user=user, pk=session_id).first()
    if session is None:
        raise ValidationError("That session has already ended.")
    session.end()
    for membership in user.memberships.select_related("account"):
        audit_log(
            account=membership.account,
            actor=user,
            action=AuditAction.USER_SESSION_END,
            target=user,
            target_label=user.email,
            metadata={"ip": session.ip, "started": session.created_at.isoformat()},
        )
    return session


@transaction.atomic
def transfer_request_create(*, account: Account, actor: User, new_owner: User):
    """The Owner asks support to hand the account to one of its Admins."""
    ensure_can(actor=actor, account=account, action=Action.REQUEST_TRANSFER)
    account = locked_account(account)
    target = Membership.objects.filter(account=account, user=new_owner).first()
    if target is None or target.role != Role.ADMIN:
        raise ValidationError("Ownership can only be transferred to an Admin of this account.")
    if OwnershipTransferRequest.objects.for_account(account).pending().exists():
        raise ValidationError("A transfer request is already waiting for support.")
    transfer = OwnershipTransferRequest.objects.create(
        account=account, requested_by=actor, new_owner=new_owner
    )
    audit_log(
        account=account,
        actor=actor,
        action=AuditAction.ACCOUNT_TRANSFER_REQUEST,
        target=account,
        metadata={"to": new_owner.email},
    )
    return transfer


@transaction.atomic
def transfer_request_cancel(*, account: Account, actor: User, transfer) -> None:
    ensure_can(actor=actor, account=account, action=Action.REQUEST_TRANSFER)
    # Read again under a lock: support may have approved or declined it meanwhile.
    transfer = (
        OwnershipTransferRequest.objects.for_account(account)
        .select_for_update()
        .filter(pk=transfer.pk)
        .first()
    )
    if transfer is None or transfer.status != transfer.Status.PENDING:
        raise ValidationError("This transfer request is no longer pending.")
    _cancel_transfer(transfer, account=account, actor=actor)


def transfer_requests_cancel_for(
    *, account: Account, new_owner: User, actor: Actor, reason: str
) -> None:
    """Cancel pending requests to make `new_owner` the Owner: they are no longer an Admin.

    Called by the services that end a membership or demote an Admin, in their transaction.
    """
    pending = OwnershipTransferRequest.objects.for_account(account).pending()
    for transfer in pending.filter(new_owner=new_owner).select_related("new_owner"):
        _cancel_transfer(transfer, account=account, actor=actor, reason=reason)


def _cancel_transfer(transfer, *, account, actor, reason=""):
    transfer.status = transfer.Status.CANCELLED
    transfer.decided_at = timezone.now()
    transfer.decided_by = user_or_none(actor)
    transfer.save(update_fields=["status", "decided_at", "decided_by"])
    metadata = {"to": transfer.new_owner.email}
    if reason:
        metadata["reason"] = reason
    audit_log(
        account=account,
        actor=actor,
        action="account.transfer_request_cancel",
        target=account,
        metadata=metadata,
    )


def _decide(transfer, *, actor, status, note=""):
    transfer.status = status
    transfer.decided_at = timezone.now()
    transfer.decided_by = actor
    transfer.note = note[:500]
    transfer.save(update_fields=["status", "decided_at", "decided_by", "note"])


@transaction.atomic
def support_transfer_request_approve(*, transfer, actor: User) -> None:
    """Support approves: the Admin becomes Owner, the Owner becomes Admin; both are told."""
    _ensure_support(actor)
    transfer = OwnershipTransferRequest.objects.select_for_update().get(pk=transfer.pk)
    if transfer.status != transfer.Status.PENDING:
        raise ValidationError("This transfer request is no longer pending.")
    # The transfer emails both Owners, as a direct transfer does.
    support_transfer_ownership(account=transfer.account, new_owner=transfer.new_owner, actor=actor)
    _decide(transfer, actor=actor, status=transfer.Status.APPROVED)


@transaction.atomic
def support_transfer_request_reject(*, transfer, actor: User, note: str = "") -> None:
    _ensure_support(actor)
    transfer = OwnershipTransferRequest.objects.select_for_update().get(pk=transfer.pk)
    if transfer.status != transfer.Status.PENDING:
        raise ValidationError("This transfer request is no longer pending.")
    _decide(transfer, actor=actor, status=transfer.Status.REJECTED, note=note)
    audit_log(
        account=transfer.account,
        actor=actor,
        action="account.transfer_request_reject",
        target=transfer.account,
        by_support=True,
        metadata={"to": transfer.new_owner.email, "note": note[:500]},
    )
    send_on_commit(
        subject=f"Ownership transfer of {transfer.account.name} not approved",
        body=(
            f"Support did not approve the transfer of {transfer.account.name} to "
            f"{transfer.new_owner.email}." + (f"\n\nNote from support: {note}" if note else "")
        ),
        recipients=[transfer.new_owner.email, transfer.requested_by.email],
    )


@transaction.atomic
def account_delete(*, account: Account, actor: User, confirm_name: str) -> None:
    """The sole member (the Owner) deletes the account and all its data, for good (A5)."""
    ensure_can(actor=actor, account=account, action=Action.DELETE_ACCOUNT)
    account = locked_account(account)
    if account.seats_used() > 1:
        raise ValidationError(
            "Only the sole member can delete an account: remove the other members and "
            "pending invites first, or ask support to transfer ownership."
        )
    if confirm_name.strip() != account.name:
        raise ValidationError({"confirm_name": "Type the account's name exactly to confirm."})
    account_deleting.send(sender=Account, account=account)
    account_id, name = account.pk, account.name
    # Every row of the account goes with it, its audit log included: what is
    # left is this line in the server log.
    account.delete()
    logging.getLogger("accounts").info(
        "Account %s (%s) deleted by user %s", account_id, name, actor.pk
    )
