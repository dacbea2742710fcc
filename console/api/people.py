"""Members and invitations (M1-M6) through the console's services."""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Path, Router, Status

from accounts.models import Account, Membership
from accounts.permissions import Action
from console.api import pagination
from console.api.auth import acting
from console.api.schemas import (
    Id,
    InviteIn,
    InviteOut,
    InvitePage,
    MemberOut,
    MemberPage,
    MemberRoleIn,
)
from console.api.statuses import errors
from members import selectors as member_selectors
from members import services as member_services
from members.models import Invitation

router = Router(tags=["members"])


def _member_out(membership: Membership) -> dict[str, object]:
    return {
        "id": membership.pk,
        "email": membership.user.email,
        "name": membership.user.name,
        "role": membership.role,
        "mfa_enrolled": bool(getattr(membership, "mfa_enrolled", False)),
        "joined_at": membership.created_at,
    }


def _invite_out(invitation: Invitation) -> dict[str, object]:
    return {
        "id": invitation.pk,
        "email": invitation.email,
        "role": invitation.role,
        "invited_by": invitation.invited_by.email if invitation.invited_by else None,
        "sent_at": invitation.sent_at,
        "expires_at": invitation.expires_at,
        "expired": invitation.expires_at <= timezone.now(),
    }


def _member(account: Account, member_id: int) -> Membership:
    # SECURITY: another account's member is a 404.
    return get_object_or_404(
        Membership.objects.for_account(account).select_related("user"), pk=member_id
    )


def _invite(account: Account, invite_id: int) -> Invitation:
    # SECURITY: another account's invitation, or one no longer pending, is a 404.
    return get_object_or_404(Invitation.objects.pending_for_account(account), pk=invite_id)


@router.get(
    "/members", response={200: MemberPage, **errors()}, summary="List members (role, MFA status)"
)
def list_members(
    request: HttpRequest, limit: pagination.Limit = 20, after: pagination.After = None
) -> dict[str, object]:
    account, _actor = acting(request, Action.VIEW)
    page, has_more, cursor = pagination.by_id(
        member_selectors.member_rows(account), limit=limit, after=after
    )
    return pagination.envelope([_member_out(m) for m in page], has_more, cursor)


@router.patch(
    "/members/{member_id}",
    response={200: MemberOut, **errors()},
    summary="Change a member's role",
)
def change_role(
    request: HttpRequest, member_id: Path[Id], payload: MemberRoleIn
) -> dict[str, object]:
    """Reader <-> Admin; the Owner's role cannot be changed here (M4)."""
    account, actor = acting(request, Action.MANAGE_MEMBERS)
    membership = member_services.membership_change_role(
        account=account, actor=actor, membership=_member(account, member_id), role=payload.role
    )
    return _member_out(member_selectors.member_rows(account).get(pk=membership.pk))


@router.delete("/members/{member_id}", response={204: None, **errors()}, summary="Remove a member")
def remove_member(request: HttpRequest, member_id: Path[Id]) -> Status[None]:
    """Any member but the Owner (M4); what they made stays with the account (R3)."""
    account, actor = acting(request, Action.MANAGE_MEMBERS)
    member_services.membership_remove(
        account=account, actor=actor, membership=_member(account, member_id)
    )
    return Status(204, None)


@router.get("/invites", response={200: InvitePage, **errors()}, summary="List pending invites")
def list_invites(
    request: HttpRequest, limit: pagination.Limit = 20, after: pagination.After = None
) -> dict[str, object]:
    account, _actor = acting(request, Action.VIEW)
    page, has_more, cursor = pagination.by_id(
        Invitation.objects.pending_for_account(account).select_related("invited_by"),
        limit=limit,
        after=after,
    )
    return pagination.envelope([_invite_out(i) for i in page], has_more, cursor)


@router.post("/invites", response={201: InviteOut, **errors()}, summary="Invite a member")
def create_invite(request: HttpRequest, payload: InviteIn) -> Status[dict[str, object]]:
    """Emails a single-use link valid 7 days; the invite holds a seat (M1, M2)."""
    account, actor = acting(request, Action.MANAGE_MEMBERS)
    invitation = member_services.invitation_create(
        account=account, actor=actor, email=payload.email, role=payload.role
    )
    return Status(201, _invite_out(invitation))


@router.post(
    "/invites/{invite_id}/resend",
    response={200: InviteOut, **errors()},
    summary="Resend an invite",
)
def resend_invite(request: HttpRequest, invite_id: Path[Id]) -> dict[str, object]:
    """A new link and seven more days; the old link stops working (M2)."""
    account, actor = acting(request, Action.MANAGE_MEMBERS)
    invitation = member_services.invitation_resend(
        account=account, actor=actor, invitation=_invite(account, invite_id)
    )
    return _invite_out(invitation)


@router.delete(
    "/invites/{invite_id}", response={204: None, **errors()}, summary="Delete (revoke) an invite"
)
def delete_invite(request: HttpRequest, invite_id: Path[Id]) -> Status[None]:
    account, actor = acting(request, Action.MANAGE_MEMBERS)
    member_services.invitation_revoke(
        account=account, actor=actor, invitation=_invite(account, invite_id)
    )
    return Status(204, None)
