"""The members page: one list, seats, role changes (htmx and plain), Delete, bad input."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Membership
from accounts.permissions import Role
from accounts.plans import PlanCode
from members import services
from members.models import Invitation
from tests.conftest import login_client
from tests.factories import enrol_mfa

pytestmark = pytest.mark.django_db


def _invite(team, email="pending@example.test", role="admin"):
    return services.invitation_create(
        account=team.account, actor=team.owner, email=email, role=role
    )


def test_list_shows_members_and_invites_with_seats_and_mfa(team, clients):
    enrol_mfa(team.admin)
    _invite(team)
    response = clients["reader"].get(reverse("members:list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "4 of 20 seats used (1 pending)" in page
    for email in ("owner@acme.test", "admin@acme.test", "reader@acme.test", "pending@example.test"):
        assert email in page
    rows = {m.user.email: m for m in response.context["memberships"]}
    assert rows["admin@acme.test"].mfa_enrolled is True
    assert rows["reader@acme.test"].mfa_enrolled is False
    # Readers see it read-only: no invite form, no role select, no Delete.
    assert 'name="role"' not in page
    assert "Delete" not in page
    assert "team.outsider" not in page and "owner@other.test" not in page


def test_managers_see_controls_but_never_on_the_owner_row(team, clients):
    response = clients["admin"].get(reverse("members:list"))
    page = response.content.decode()
    owner = Membership.objects.get(account=team.account, user=team.owner)
    reader = Membership.objects.get(account=team.account, user=team.reader)
    assert reverse("members:member_delete", args=[reader.pk]) in page
    assert reverse("members:member_role", args=[reader.pk]) in page
    assert reverse("members:member_delete", args=[owner.pk]) not in page
    assert reverse("members:member_role", args=[owner.pk]) not in page
    # Reader is preselected in the invite form (R2).
    assert '<option value="reader" selected>' in page


def test_invite_from_the_page(team, clients, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = clients["admin"].post(
            reverse("members:invite"), {"email": "fresh@example.test", "role": "reader"}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "fresh@example.test",
        "reader",
        team.admin,
    )
    page = clients["admin"].get(reverse("members:list")).content.decode()
    assert "Invitation sent to fresh@example.test" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email", "role": "reader"}, "Enter a valid email address"),
        ({"email": "", "role": "reader"}, "This field is required"),
        ({"email": "x@example.test", "role": "owner"}, "Choose Admin or Reader"),
        ({"email": "x@example.test", "role": "god"}, "Choose Admin or Reader"),
        ({"email": "reader@acme.test", "role": "reader"}, "already a member"),
    ],
)
def test_bad_invites_get_a_message_and_change_nothing(clients, data, message):
    response = clients["owner"].post(reverse("members:invite"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Invitation.objects.exists()


def test_invite_at_the_limit_says_which_limit(team):
    team.account.plan = PlanCode.FREE
    team.account.save()
    client = login_client(team.owner, team.account)
    page = client.get(reverse("members:list")).content.decode()
    assert "3 of 2 seats used" in page
    assert "Free plan allows 2 members" in page
    assert "disabled" in page
    response = client.post(reverse("members:invite"), {"email": "x@example.test", "role": "reader"})
    assert response.status_code == 400
    assert "Free plan allows 2 members" in response.content.decode()
    assert not Invitation.objects.exists()


def test_role_change_plain_post(team, clients):
    reader = Membership.objects.get(account=team.account, user=team.reader)
    response = clients["admin"].post(
        reverse("members:member_role", args=[reader.pk]), {"role": "admin"}
    )
    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.role == Role.ADMIN


def test_role_change_htmx_swaps_the_row(team, clients):
    reader = Membership.objects.get(account=team.account, user=team.reader)
    response = clients["owner"].post(
        reverse("members:member_role", args=[reader.pk]), {"role": "admin"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.strip().startswith(f'<tr id="member-{reader.pk}"')
    assert "<html" not in fragment
    assert '<option value="admin" selected>' in fragment
    assert "Saved" in fragment
    reader.refresh_from_db()
    assert reader.role == Role.ADMIN


@pytest.mark.parametrize("role", ["owner", "", "root"])
def test_role_change_to_anything_else_is_refused(team, clients, role):
    reader = Membership.objects.get(account=team.account, user=team.reader)
    response = clients["owner"].post(
        reverse("members:member_role", args=[reader.pk]), {"role": role}
    )
    assert response.status_code == 400
    reader.refresh_from_db()
    assert reader.role == Role.READER
    assert not AuditEvent.objects.filter(action="member.change_role").exists()


@pytest.mark.parametrize("persona", ["owner", "admin"])
def test_posts_against_the_owner_row_are_refused(team, clients, persona):
    owner = Membership.objects.get(account=team.account, user=team.owner)
    client = clients[persona]
    response = client.post(reverse("members:member_delete", args=[owner.pk]))
    assert response.status_code == 400
    assert "Owner cannot be removed" in response.content.decode()
    response = client.post(reverse("members:member_role", args=[owner.pk]), {"role": "reader"})
    assert response.status_code == 400
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_reader_posting_to_admin_endpoints_gets_403(team, clients):
    admin = Membership.objects.get(account=team.account, user=team.admin)
    invitation = _invite(team)
    client = clients["reader"]
    assert client.post(reverse("members:member_delete", args=[admin.pk])).status_code == 403
    assert (
        client.post(reverse("members:member_role", args=[admin.pk]), {"role": "reader"}).status_code
        == 403
    )
    assert (
        client.post(
            reverse("members:invite"), {"email": "z@example.test", "role": "reader"}
        ).status_code
        == 403
    )
    assert client.post(reverse("members:invite_delete", args=[invitation.pk])).status_code == 403
    assert Membership.objects.get(pk=admin.pk).role == Role.ADMIN
    assert Invitation.objects.get(pk=invitation.pk).is_pending


def test_delete_one_action_for_both_rows(team, clients):
    invitation = _invite(team)
    reader = Membership.objects.get(account=team.account, user=team.reader)
    client = clients["admin"]
    confirm = client.get(reverse("members:invite_delete", args=[invitation.pk]))
    assert "stops working" in confirm.content.decode()
    assert client.post(reverse("members:invite_delete", args=[invitation.pk])).status_code == 302
    assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.REVOKED
    confirm = client.get(reverse("members:member_delete", args=[reader.pk]))
    assert "loses access" in confirm.content.decode()
    assert client.post(reverse("members:member_delete", args=[reader.pk])).status_code == 302
    assert not Membership.objects.filter(pk=reader.pk).exists()
    response = client.get(reverse("members:list"))
    assert [m.user.email for m in response.context["memberships"]] == [
        "owner@acme.test",
        "admin@acme.test",
    ]
    assert list(response.context["invitations"]) == []


def test_removed_member_loses_the_account_on_their_next_request(team, clients):
    reader_client = clients["reader"]
    assert reader_client.get(reverse("projects:list")).status_code == 200
    reader = Membership.objects.get(account=team.account, user=team.reader)
    services.membership_remove(account=team.account, actor=team.owner, membership=reader)
    response = reader_client.get(reverse("projects:list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:choose")
    assert reader_client.get(reverse("members:list")).status_code == 302


def test_resend_from_the_page_renews_an_expired_invite(
    team, clients, django_capture_on_commit_callbacks
):
    invitation = _invite(team)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=invitation.sent_at)
    page = clients["owner"].get(reverse("members:list")).content.decode()
    assert "Expired" in page
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = clients["owner"].post(reverse("members:invite_resend", args=[invitation.pk]))
    assert response.status_code == 302
    assert len(callbacks) == 1
    invitation.refresh_from_db()
    assert not invitation.is_expired
    assert "Expired" not in clients["owner"].get(reverse("members:list")).content.decode()


@pytest.mark.parametrize("pk", [0, 999999])
def test_unknown_rows_are_404(clients, pk):
    client = clients["owner"]
    assert client.get(reverse("members:member_delete", args=[pk])).status_code == 404
    assert (
        client.post(reverse("members:member_role", args=[pk]), {"role": "admin"}).status_code == 404
    )
    assert client.post(reverse("members:invite_resend", args=[pk])).status_code == 404


def test_a_member_leaves_the_account_and_their_key_keeps_working(team, clients):
    from apikeys.auth import authenticate
    from projects.models import Project
    from tests.transcripts.api_support import make_key

    project = Project.objects.create(account=team.account, name="Production")
    api_key, secret = make_key(project)
    type(api_key).objects.filter(pk=api_key.pk).update(created_by=team.admin)
    page = clients["admin"].get(reverse("accounts:detail")).content.decode()
    assert 'id="leave-account"' in page
    assert (
        "API keys you created keep working"
        in clients["admin"].get(reverse("members:leave")).content.decode()
    )

    response = clients["admin"].post(reverse("members:leave"), follow=True)
    assert "You left Acme." in response.content.decode()
    assert not Membership.objects.filter(account=team.account, user=team.admin).exists()
    # The next page of that account is refused: the session no longer holds it.
    assert clients["admin"].get(reverse("projects:list")).status_code == 302
    audit = AuditEvent.objects.get(action="member.leave")
    assert audit.actor == team.admin and audit.metadata == {"role": "admin"}
    assert authenticate(secret).pk == api_key.pk


def test_the_owner_cannot_leave(team, clients):
    page = clients["owner"].get(reverse("accounts:detail")).content.decode()
    assert 'id="leave-account"' not in page
    assert clients["owner"].post(reverse("members:leave")).status_code == 403
    assert Membership.objects.filter(account=team.account, role=Role.OWNER).count() == 1
    assert not AuditEvent.objects.filter(action="member.leave").exists()
