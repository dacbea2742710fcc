"""Invite, resend, revoke, accept, role change and removal rules (M1-M5)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from accounts.models import AuditEvent, Membership
from accounts.permissions import Role
from accounts.plans import LimitReached, PlanCode
from members import services
from members.models import Invitation, token_digest
from tests.factories import MembershipFactory, UserFactory, account_with_owner

pytestmark = pytest.mark.django_db


def _invite(team, email="new@example.test", role="reader", actor=None):
    return services.invitation_create(
        account=team.account, actor=actor or team.owner, email=email, role=role
    )


def _audit(account, action):
    return list(AuditEvent.objects.for_account(account).filter(action=action))


def test_invite_stores_only_the_digest_and_emails_the_link(
    team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(team, email="  New@Example.TEST ")
    assert invitation.email == "new@example.test"
    assert invitation.role == Role.READER
    stored = Invitation.objects.get(pk=invitation.pk)
    assert stored.token_digest == token_digest(invitation.token)
    assert invitation.token not in str(Invitation.objects.filter(pk=invitation.pk).values().get())
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.test"]
    assert f"/members/join/{invitation.token}/" in message.body
    assert "Acme" in message.subject
    assert stored.expires_at - stored.sent_at == timedelta(days=7)
    [event] = _audit(team.account, "member.invite")
    assert event.actor == team.owner
    assert event.metadata == {"role": "reader"}
    assert invitation.token not in str(event.metadata) + event.target_label


def test_invite_email_is_sent_only_when_the_transaction_commits(team):
    _invite(team)
    assert mail.outbox == []


def test_admins_invite_admins(team):
    invitation = _invite(team, role="admin", actor=team.admin)
    assert invitation.role == Role.ADMIN
    assert invitation.invited_by == team.admin


@pytest.mark.parametrize("role", ["owner", "OWNER", "superuser", "", None])
def test_invite_refuses_roles_outside_admin_and_reader(team, role):
    with pytest.raises(ValidationError):
        _invite(team, role=role)
    assert not Invitation.objects.exists()


def test_database_refuses_an_owner_invitation(team):
    invitation = Invitation(account=team.account, email="x@example.test", role=Role.OWNER)
    invitation.issue_token()
    with pytest.raises(IntegrityError):
        invitation.save()


def test_readers_and_outsiders_cannot_invite(team):
    with pytest.raises(PermissionDenied):
        _invite(team, actor=team.reader)
    with pytest.raises(PermissionDenied):
        _invite(team, actor=team.outsider)
    assert not Invitation.objects.exists()


def test_inviting_a_member_or_an_invited_email_is_refused(team):
    with pytest.raises(ValidationError, match="already a member"):
        _invite(team, email="READER@acme.test")
    _invite(team, email="twice@example.test")
    with pytest.raises(ValidationError, match="already been invited"):
        _invite(team, email="Twice@Example.test", role="admin")
    assert Invitation.objects.count() == 1


def test_pending_invites_count_toward_the_member_limit():
    owner = account_with_owner(plan=PlanCode.FREE)
    account = owner.account
    services.invitation_create(account=account, actor=owner.user, email="a@x.test", role="reader")
    assert account.seats_used() == 2
    with pytest.raises(LimitReached, match="Free plan allows 2 members"):
        services.invitation_create(
            account=account, actor=owner.user, email="b@x.test", role="reader"
        )
    assert Invitation.objects.count() == 1


def test_expired_invites_hold_no_seat_and_resending_one_takes_it_again(team):
    # Changed deliberately (issue 17): an expired invite no longer holds a seat (M1 counts
    # pending invites; an expired one cannot be accepted). It is listed until deleted.
    invitation = _invite(team)
    assert team.account.seats_used() == 4
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=invitation.sent_at)
    assert team.account.seats_used() == 3
    services.invitation_resend(account=team.account, actor=team.owner, invitation=invitation)
    assert team.account.seats_used() == 4
    services.invitation_revoke(account=team.account, actor=team.owner, invitation=invitation)
    assert team.account.seats_used() == 3


def test_resending_an_expired_invite_needs_a_free_seat():
    owner = account_with_owner(plan=PlanCode.FREE)
    account = owner.account
    invitation = services.invitation_create(
        account=account, actor=owner.user, email="a@x.test", role="reader"
    )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=invitation.sent_at)
    # Its seat is free again: someone else is invited into it.
    services.invitation_create(account=account, actor=owner.user, email="b@x.test", role="reader")
    with pytest.raises(LimitReached, match="Free plan allows 2 members"):
        services.invitation_resend(account=account, actor=owner.user, invitation=invitation)


def test_resend_renews_the_expiry_and_replaces_the_link(team, django_capture_on_commit_callbacks):
    invitation = _invite(team)
    old_token = invitation.token
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=invitation.sent_at - timedelta(days=1),
        sent_at=invitation.sent_at - timedelta(days=8),
    )
    with django_capture_on_commit_callbacks(execute=True):
        resent = services.invitation_resend(
            account=team.account, actor=team.admin, invitation=invitation
        )
    assert not resent.is_expired
    assert resent.token != old_token
    assert Invitation.objects.by_token(old_token) is None
    assert Invitation.objects.by_token(resent.token) == invitation
    assert resent.token in mail.outbox[0].body
    assert _audit(team.account, "member.invite_resend")


def test_revoke_makes_the_link_dead_and_writes_audit(team):
    invitation = _invite(team)
    services.invitation_revoke(account=team.account, actor=team.admin, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED
    assert services.invitation_problem(invitation) == "revoked"
    assert _audit(team.account, "member.invite_revoke")
    with pytest.raises(ValidationError):
        services.invitation_revoke(account=team.account, actor=team.admin, invitation=invitation)


def test_another_accounts_invitation_cannot_be_touched(team):
    invitation = _invite(team)
    with pytest.raises((PermissionDenied, ValidationError)):
        services.invitation_revoke(
            account=team.outsider_account, actor=team.outsider, invitation=invitation
        )
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_accept_adds_the_member_with_the_invited_role(team):
    invitation = _invite(team, email="joiner@example.test", role="admin")
    user = UserFactory(email="joiner@example.test")
    own = account_with_owner(owner=user)
    membership = services.invitation_accept(invitation=invitation, user=user)
    assert membership.role == Role.ADMIN
    assert membership.account == team.account
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    # A3: their own account is untouched, and now they have both.
    assert set(user.memberships.values_list("account_id", flat=True)) == {
        own.account_id,
        team.account.pk,
    }
    # The invite's seat became the member's.
    assert team.account.seats_used() == 4
    [event] = _audit(team.account, "member.join")
    assert event.actor == user


def test_accept_matches_the_email_case_insensitively(team):
    invitation = _invite(team, email="mixed@example.test")
    user = UserFactory(email="MIXED@Example.test")
    membership = services.invitation_accept(invitation=invitation, user=user)
    assert (membership.account, membership.user, membership.role) == (
        team.account,
        user,
        Role.READER,
    )
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert invitation.accepted_by == user


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"status": Invitation.Status.REVOKED}, "revoked"),
        ({"status": Invitation.Status.ACCEPTED}, "used"),
        ("expire", "expired"),
    ],
)
def test_accept_refuses_dead_invitations(team, change, code):
    invitation = _invite(team, email="late@example.test")
    if change == "expire":
        change = {"expires_at": invitation.sent_at - timedelta(seconds=1)}
    Invitation.objects.filter(pk=invitation.pk).update(**change)
    user = UserFactory(email="late@example.test")
    with pytest.raises(ValidationError) as caught:
        services.invitation_accept(invitation=invitation, user=user)
    assert caught.value.error_list[0].code == code
    assert not Membership.objects.filter(user=user, account=team.account).exists()


def test_accept_refuses_another_email(team):
    invitation = _invite(team, email="right@example.test")
    with pytest.raises(ValidationError, match="another email"):
        services.invitation_accept(invitation=invitation, user=team.outsider)
    assert not Membership.objects.filter(user=team.outsider, account=team.account).exists()


def test_change_role_between_reader_and_admin(team):
    membership = Membership.objects.get(account=team.account, user=team.reader)
    services.membership_change_role(
        account=team.account, actor=team.admin, membership=membership, role="admin"
    )
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN
    [event] = _audit(team.account, "member.change_role")
    assert event.metadata == {"from": "reader", "to": "admin"}
    services.membership_change_role(
        account=team.account, actor=team.owner, membership=membership, role="reader"
    )
    membership.refresh_from_db()
    assert membership.role == Role.READER


@pytest.mark.parametrize("role", ["owner", "boss", ""])
def test_nobody_becomes_owner_from_the_dashboard(team, role):
    membership = Membership.objects.get(account=team.account, user=team.admin)
    with pytest.raises(ValidationError):
        services.membership_change_role(
            account=team.account, actor=team.owner, membership=membership, role=role
        )
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


@pytest.mark.parametrize("actor", ["owner", "admin"])
def test_the_owner_cannot_be_rerolled_or_removed(team, actor):
    owner = Membership.objects.get(account=team.account, user=team.owner)
    with pytest.raises(ValidationError, match="Owner cannot"):
        services.membership_change_role(
            account=team.account, actor=team.user(actor), membership=owner, role="admin"
        )
    with pytest.raises(ValidationError, match="Owner cannot"):
        services.membership_remove(account=team.account, actor=team.user(actor), membership=owner)
    owner.refresh_from_db()
    assert owner.role == Role.OWNER
    assert not _audit(team.account, "member.remove")


def test_readers_cannot_change_or_remove(team):
    admin = Membership.objects.get(account=team.account, user=team.admin)
    with pytest.raises(PermissionDenied):
        services.membership_change_role(
            account=team.account, actor=team.reader, membership=admin, role="reader"
        )
    with pytest.raises(PermissionDenied):
        services.membership_remove(account=team.account, actor=team.reader, membership=admin)
    assert Membership.objects.get(pk=admin.pk).role == Role.ADMIN


def test_remove_deletes_the_membership_and_keeps_their_own_account(team):
    own = MembershipFactory(user=team.reader, role=Role.OWNER)
    membership = Membership.objects.get(account=team.account, user=team.reader)
    services.membership_remove(account=team.account, actor=team.admin, membership=membership)
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert Membership.objects.filter(pk=own.pk).exists()
    [event] = _audit(team.account, "member.remove")
    assert event.target_label == "reader@acme.test"


def test_a_foreign_membership_cannot_be_removed(team):
    foreign = Membership.objects.get(account=team.outsider_account)
    other_member = MembershipFactory(account=team.outsider_account, role=Role.READER)
    with pytest.raises((ValidationError, PermissionDenied)):
        services.membership_remove(account=team.account, actor=team.owner, membership=other_member)
    assert Membership.objects.filter(pk=other_member.pk).exists()
    assert foreign.role == Role.OWNER
