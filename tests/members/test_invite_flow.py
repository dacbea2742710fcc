"""The invite lifecycle through the emailed link (M2, A2, A3)."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.middleware import SESSION_KEY
from accounts.models import Membership
from accounts.permissions import Role
from members.models import Invitation
from tests.conftest import login_client
from tests.factories import PASSWORD, account_with_owner

pytestmark = pytest.mark.django_db


@pytest.fixture
def send_invite(team, clients, django_capture_on_commit_callbacks):
    """The Owner invites from the Members page; returns the link path from the email."""

    def send(email="invitee@example.test", role="reader"):
        with django_capture_on_commit_callbacks(execute=True):
            response = clients["owner"].post(
                reverse("members:invite"), {"email": email, "role": role}
            )
        assert response.status_code == 302
        body = mail.outbox[-1].body
        url = re.search(r"https?://\S+/members/join/\S+/", body).group(0)
        assert url.startswith("http://127.0.0.1:8000/")  # settings.SITE_URL
        return url.removeprefix("http://127.0.0.1:8000")

    return send


def _accounts_of(email):
    return set(Membership.objects.filter(user__email=email).values_list("account__name", "role"))


def test_new_person_signs_up_from_the_link_and_joins(team, send_invite):
    link = send_invite(role="admin")
    client = Client()
    page = client.get(link)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Join Acme" in text and "Admin" in text
    assert "/auth/signup/?email=invitee%40example.test" in text

    response = client.post(
        reverse("account_signup"),
        {
            "email": "invitee@example.test",
            "password1": "a-long-unusual-password-42",
            "password2": "a-long-unusual-password-42",
            "account_name": "Invitee Labs",
        },
    )
    assert response.status_code == 302
    # A2/A3: their own Free account, and the invited one, with the invited role.
    assert _accounts_of("invitee@example.test") == {
        ("Invitee Labs", Role.OWNER),
        ("Acme", Role.ADMIN),
    }
    home = client.get(reverse("home"))
    assert home.context["current_account"] == team.account
    assert "You joined Acme as Admin" in home.content.decode()
    switcher = {m.account.name for m in home.context["switcher_memberships"]}
    assert switcher == {"Acme", "Invitee Labs"}
    assert Invitation.objects.get().status == Invitation.Status.ACCEPTED


def test_existing_user_logs_in_from_the_link_and_joins(team, send_invite):
    existing = account_with_owner(name="Existing Co", owner=None)
    existing.user.email = "invitee@example.test"
    existing.user.save()
    link = send_invite()
    client = Client()
    assert client.get(link).status_code == 200
    response = client.post(
        reverse("account_login"), {"login": "Invitee@Example.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert _accounts_of("invitee@example.test") == {
        ("Existing Co", Role.OWNER),
        ("Acme", Role.READER),
    }
    assert client.session[SESSION_KEY] == team.account.pk


def test_logged_in_invitee_accepts_with_a_button(team, send_invite):
    existing = account_with_owner(name="Existing Co")
    existing.user.email = "invitee@example.test"
    existing.user.save()
    link = send_invite()
    client = login_client(existing.user, existing.account)
    page = client.get(link)
    assert "Join Acme" in page.content.decode()
    # Looking at the page changes nothing.
    assert not Membership.objects.filter(user=existing.user, account=team.account).exists()
    response = client.post(link)
    assert response.status_code == 302
    assert Membership.objects.get(user=existing.user, account=team.account).role == Role.READER
    assert client.session[SESSION_KEY] == team.account.pk


def test_wrong_user_is_told_the_invite_is_for_another_address(team, send_invite):
    link = send_invite()
    client = login_client(team.outsider, team.outsider_account)
    page = client.get(link)
    assert page.status_code == 403
    assert "for another email address" in page.content.decode()
    assert client.post(link).status_code == 403
    assert not Membership.objects.filter(user=team.outsider, account=team.account).exists()
    assert Invitation.objects.get().is_pending


def test_logging_in_as_someone_else_does_not_accept(team, send_invite):
    link = send_invite()
    client = Client()
    client.get(link)
    client.post(reverse("account_login"), {"login": "owner@other.test", "password": PASSWORD})
    assert not Membership.objects.filter(user=team.outsider, account=team.account).exists()
    assert Invitation.objects.get().is_pending
    home = client.get(reverse("home"), follow=True)
    assert "for another email address" in home.content.decode()


def test_expired_link(team, send_invite):
    link = send_invite()
    invitation = Invitation.objects.get()
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=invitation.sent_at - timedelta(minutes=1)
    )
    page = Client().get(link)
    assert page.status_code == 410
    assert "has expired" in page.content.decode()


def test_revoked_link(team, clients, send_invite):
    link = send_invite()
    invitation = Invitation.objects.get()
    clients["owner"].post(reverse("members:invite_delete", args=[invitation.pk]))
    page = Client().get(link)
    assert page.status_code == 410
    assert "withdrawn" in page.content.decode()


def test_a_link_works_once(team, send_invite):
    link = send_invite()
    existing = account_with_owner()
    existing.user.email = "invitee@example.test"
    existing.user.save()
    client = login_client(existing.user, existing.account)
    assert client.post(link).status_code == 302
    again = client.get(link)
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert client.post(link).status_code == 410
    assert Membership.objects.filter(user=existing.user, account=team.account).count() == 1


def test_resend_kills_the_old_link_and_mails_a_new_one(
    team, clients, send_invite, django_capture_on_commit_callbacks
):
    old_link = send_invite()
    invitation = Invitation.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        clients["admin"].post(reverse("members:invite_resend", args=[invitation.pk]))
    new_link = re.search(r"/members/join/\S+/", mail.outbox[-1].body).group(0)
    assert new_link != old_link
    assert Client().get(old_link).status_code == 404
    assert Client().get(new_link).status_code == 200


@pytest.mark.parametrize(
    "token", ["x", "A" * 43, "..-.._etc", "%00", "a" * 500, "💥"], ids=lambda t: t[:8]
)
def test_tampered_tokens_get_a_clear_404(team, send_invite, token):
    send_invite()
    page = Client().get(f"/members/join/{token}/")
    assert page.status_code == 404
    assert "not valid" in page.content.decode()
    assert Client().post(f"/members/join/{token}/").status_code == 404


def test_an_opened_link_is_remembered_but_not_accepted_without_login(team, send_invite):
    link = send_invite()
    client = Client()
    client.get(link)
    assert client.post(link).status_code == 302  # back to the page, which offers sign-up
    assert Invitation.objects.get().is_pending


def test_invite_accept_is_reachable_from_an_account_that_requires_mfa(team, send_invite):
    """An invite into another account is the person's business, not the current account's."""
    link = send_invite()
    other = account_with_owner(name="Strict Co", require_mfa=True)
    other.user.email = "invitee@example.test"
    other.user.save()
    client = login_client(other.user, other.account)
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 302
    assert Membership.objects.filter(user=other.user, account=team.account).exists()
