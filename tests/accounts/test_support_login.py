"""Support staff: the admin's login is allauth's throttled one, and admin pages need MFA."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import login_client, support_client
from tests.factories import PASSWORD, UserFactory, enrol_mfa

pytestmark = pytest.mark.django_db

ADMIN = "/support/"


@pytest.fixture
def staff(db):
    return UserFactory(email="support@console.test", is_staff=True, is_superuser=True)


def _chain(client, url):
    """The redirects from `url`, and the final response."""
    response = client.get(url, follow=True)
    return [hop for hop, _status in response.redirect_chain], response


def test_the_admin_login_sends_to_allauths_login_with_next():
    hops, _response = _chain(Client(), ADMIN)
    assert hops[-1].startswith(reverse("account_login") + "?next=")
    assert "%2Fsupport%2F" in hops[-1]


def test_a_password_posted_to_the_admin_login_logs_nobody_in(staff):
    client = Client()
    response = client.post(
        reverse("admin:login"), {"username": staff.email, "password": PASSWORD, "next": ADMIN}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_many_wrong_passwords_are_refused_then_even_the_right_one(staff):
    """allauth's login_failed limit: 5 failures per login in 5 minutes (the admin's own had none)."""
    client = Client()
    for i in range(6):
        client.post(reverse("account_login"), {"login": staff.email, "password": f"wrong-{i}"})
    response = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_without_mfa_are_sent_to_enrol_and_see_no_admin_page(staff):
    client = login_client(staff)
    hops, response = _chain(client, reverse("admin:accounts_account_changelist"))
    assert hops[-1].startswith(reverse("accounts:mfa:setup"))
    assert "Support pages need MFA" in response.content.decode()
    assert client.get(ADMIN).status_code == 302


def test_staff_with_mfa_must_give_their_code_first(staff):
    enrol_mfa(staff)
    client = login_client(staff)  # signed in, second factor not given
    hops, _response = _chain(client, reverse("admin:accounts_account_changelist"))
    assert hops[-1].startswith(reverse("accounts:mfa:verify"))
    assert client.get(reverse("admin:accounts_account_changelist")).status_code == 302


def test_a_verified_staff_session_opens_the_admin(staff):
    client = support_client(staff)
    assert client.get(ADMIN).status_code == 200
    assert client.get(reverse("admin:accounts_account_changelist")).status_code == 200


def test_a_verified_member_who_is_not_staff_is_refused(team):
    client = support_client(team.owner)
    assert client.get(ADMIN).status_code in (302, 403)
    assert client.get(reverse("admin:login")).status_code == 403
