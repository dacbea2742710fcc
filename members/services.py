"""Invites, role changes and removals (M1-M5). Each writes its audit entry."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.actors import Actor, user_or_none
from accounts.audit import audit_log
from accounts.emails import send_on_commit
from accounts.models import Account, AuditAction, Membership, User
from accounts.permissions import ASSIGNABLE_ROLES, Action, Role
from accounts.plans import Resource
from accounts.services import (
    check_limit,
    ensure_can,
    locked_account,
    transfer_requests_cancel_for,
)
from members.models import Invitation

OWNER_UNTOUCHABLE = (
    "The Owner cannot be removed or given another role here. "
    "Ownership is transferred by support (Account page)."
)

# Where the invite a logged-out person opened waits until they sign up or log in (M2).
PENDING_INVITE_SESSION_KEY = "pending_invitation_id"


def normalize_email(email: str) -> str:
    return User.objects.normalize_email((email or "").strip()).lower()


def _ensure_in_account(obj, account) -> None:
    # SECURITY: views look objects up through the account; this repeats it for any caller.
    if obj.account_id != account.pk:
        raise ValidationError("This does not belong to the current account.")


def _assignable(role) -> Role:
    if role not in {r.value for r in ASSIGNABLE_ROLES}:
        raise ValidationError({"role": "Choose Admin or Reader."})
    return Role(role)


def _send_invite_email(invitation: Invitation, token: str) -> None:
    inviter = invitation.invited_by.display_name if invitation.invited_by else "A member"
    body = (
        f"{inviter} invited you to join {invitation.account.name} on the Speech console "
        f"as {invitation.get_role_display()}.\n\n"
        f"Accept the invitation:\n{Invitation.accept_url(token)}\n\n"
        f"The link works once and expires on {invitation.expires_at:%d %b %Y at %H:%M} UTC. "
        "If you did not expect it, ignore this email."
    )
    send_on_commit(
        subject=f"Join {invitation.account.name}", body=body, recipients=[invitation.email]
    )


@transaction.atomic
def invitation_create(*, account: Account, actor: Actor, email: str, role: str) -> Invitation:
    """Invite `email` with `role` and email the link (M1). The returned object carries `.token`."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_MEMBERS)
    role = _assignable(role)
    email = normalize_email(email)
    if not email:
        raise ValidationError({"email": "Enter an email address."})
    # The lock makes count-then-insert safe against concurrent invites.
    account = locked_account(account)
    if Membership.objects.for_account(account).filter(user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already a member of this account."})
    if Invitation.objects.pending_for_account(account).filter(email__iexact=email).exists():
        raise ValidationError(
            {"email": f"{email} has already been invited. Resend that invite instead."}
        )
    check_limit(account, Resource.MEMBERS)
    invitation = Invitation(account=account, email=email, role=role, invited_by=user_or_none(actor))
    token = invitation.issue_token()
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as error:
        raise ValidationError({"email": f"{email} has already been invited."}) from error
    audit_log(
        account=account,
        actor=actor,
        action=AuditAction.MEMBER_INVITE,
        target=invitation,
        target_label=email,
        metadata={"role": role.value},
    )
    _send_invite_email(invitation, token)
    invitation.token = token
    return invitation


@transaction.atomic
def invitation_resend(*, account: Account, actor: Actor, invitation: Invitation) -> Invitation:
    """A new link and seven more days; the old link stops working (M2)."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_MEMBERS)
    _ensure_in_account(invitation, account)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError("This invitation is no longer pending.")
    if invitation.is_expired:
        # An expired invite holds no seat (M1): resending it takes one again. The
        # account is locked after the invitation, in the order revoking takes them.
        account = locked_account(account)
        check_limit(account, Resource.MEMBERS)
    token = invitation.issue_token()
    invitation.invited_by = user_or_none(actor)
    invitation.save(update_fields=["token_digest", "sent_at", "expires_at", "invited_by"])
    audit_log(
        account=account,
        actor=actor,
        action=AuditAction.MEMBER_INVITE_RESEND,
        target=invitation,
        target_label=invitation.email,
    )
    _send_invite_email(invitation, token)
    invitation.token = token
    return invitation


@transaction.atomic
def invitation_revoke(*, account: Account, actor: Actor, invitation: Invitation) -> None:
    """Deleting a pending invite revokes it: its link stops working, its seat is freed (M3)."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_MEMBERS)
    _ensure_in_account(invitation, account)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError("This invitation is no longer pending.")
    invitation.status = Invitation.Status.REVOKED
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["status", "decided_at"])
    audit_log(
        account=account,
        actor=actor,
        action=AuditAction.MEMBER_INVITE_REVOKE,
        target=invitation,
        target_label=invitation.email,
        metadata={"role": invitation.role},
    )


def invitation_problem(invitation: Invitation | None, user: User | None = None) -> str:
    """Why this invitation cannot be accepted (by `user`), or "" when it can."""
    if invitation is None:
        return "invalid"
    if invitation.status == Invitation.Status.ACCEPTED:
        return "used"
    if invitation.status == Invitation.Status.REVOKED:
        return "revoked"
    if invitation.is_expired:
        return "expired"
    if user is not None and user.is_authenticated:
        if user.email.lower() != invitation.email.lower():
            return "wrong_user"
        if Membership.objects.filter(account_id=invitation.account_id, user=user).exists():
            return "already_member"
    return ""


PROBLEMS = {
    "invalid": "This invitation link is not valid. Ask for a new invitation.",
    "used": "This invitation has already been used.",
    "revoked": "This invitation was withdrawn. Ask the account's Owner or an Admin for a new one.",
    "expired": "This invitation has expired. Ask the account's Owner or an Admin to resend it.",
    "wrong_user": "This invitation is for another email address.",
    "already_member": "You are already a member of this account.",
}


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """`user` joins the account with the invited role; their own accounts stay theirs (M2, A3)."""
    locked_account(invitation.account)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    problem = invitation_problem(invitation, user)
    if problem:
        raise ValidationError(PROBLEMS[problem], code=problem)
    # The seat was taken by the invite, so no limit check: the invite becomes the member.
    membership = Membership.objects.create(
        account=invitation.account, user=user, role=invitation.role
    )
    invitation.status = Invitation.Status.ACCEPTED
    invitation.decided_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["status", "decided_at", "accepted_by"])
    audit_log(
        account=invitation.account,
        actor=user,
        action=AuditAction.MEMBER_JOIN,
        target=user,
        target_label=user.email,
        metadata={"role": invitation.role},
    )
    return membership


def _locked_member(account, membership) -> Membership:
    _ensure_in_account(membership, account)
    membership = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(pk=membership.pk)
        .first()
    )
    if membership is None:
        raise ValidationError("This person is no longer a member.")
    # M4: the Owner row is out of reach of the dashboard, whoever asks.
    if membership.role == Role.OWNER:
        raise ValidationError(OWNER_UNTOUCHABLE, code="owner")
    return membership


@transaction.atomic
def membership_change_role(
    *, account: Account, actor: Actor, membership: Membership, role: str
) -> Membership:
    """Reader <-> Admin for any non-Owner member (M4)."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_MEMBERS)
    role = _assignable(role)
    membership = _locked_member(account, membership)
    previous = membership.role
    if previous != role:
        membership.role = role
        membership.save(update_fields=["role"])
        if role == Role.READER:
            # Ownership only ever moves to an Admin.
            transfer_requests_cancel_for(
                account=account, new_owner=membership.user, actor=actor, reason="now a Reader"
            )
        audit_log(
            account=account,
            actor=actor,
            action=AuditAction.MEMBER_CHANGE_ROLE,
            target=membership.user,
            target_label=membership.user.email,
            metadata={"from": previous, "to": role.value},
        )
    return membership


@transaction.atomic
def membership_remove(*, account: Account, actor: Actor, membership: Membership) -> None:
    """Remove a non-Owner member; their session loses the account at its next request (M3)."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_MEMBERS)
    membership = _locked_member(account, membership)
    user = membership.user
    role = membership.role
    membership.delete()
    transfer_requests_cancel_for(
        account=account, new_owner=user, actor=actor, reason="removed from the account"
    )
    audit_log(
        account=account,
        actor=actor,
        action=AuditAction.MEMBER_REMOVE,
        target=user,
        target_label=user.email,
        metadata={"role": role},
    )


@transaction.atomic
def membership_leave(*, account: Account, actor: User) -> None:
    """A member leaves the account; the Owner cannot until ownership has moved (M5).

    What they made stays with the account: their keys keep working (R3).
    """
    membership = ensure_can(actor=actor, account=account, action=Action.LEAVE_ACCOUNT)
    account = locked_account(account)
    membership = _locked_member(account, membership)
    role = membership.role
    membership.delete()
    transfer_requests_cancel_for(
        account=account, new_owner=actor, actor=actor, reason="left the account"
    )
    audit_log(
        account=account,
        actor=actor,
        action=AuditAction.MEMBER_LEAVE,
        target=actor,
        target_label=actor.email,
        metadata={"role": role},
    )
