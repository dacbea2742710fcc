"""Sign-up gives the new user an account of their own (A2); login lands in it (A1)."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, User
from accounts.permissions import Role
from tests.factories import PASSWORD, MembershipFactory, account_with_owner

pytestmark = pytest.mark.django_db


def test_sign_up_creates_a_free_account_owned_by_the_new_user(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "Newbie@Example.com",
            "password1": "a-long-unusual-password-42",
            "password2": "a-long-unusual-password-42",
            "name": "New Bie",
            "account_name": "Bie Labs",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="newbie@example.com")
    membership = user.memberships.get()
    assert membership.role == Role.OWNER
    assert membership.account.name == "Bie Labs"
    assert membership.account.plan == "free"
    assert user.name == "New Bie"
    assert AuditEvent.objects.filter(account=membership.account, action="account.create").exists()


def test_sign_up_without_account_name_gets_a_default(client):
    client.post(
        reverse("account_signup"),
        {
            "email": "pat@example.com",
            "password1": "x-long-pass-991!",
            "password2": "x-long-pass-991!",
        },
    )
    assert User.objects.get(email="pat@example.com").memberships.get().account.name == (
        "pat's account"
    )


def test_sign_up_with_bad_input_shows_errors_and_creates_nothing(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "not-an-email", "password1": "short", "password2": "different"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not User.objects.exists()


def test_sign_up_with_an_existing_email_is_refused(client):
    owner = account_with_owner()
    response = client.post(
        reverse("account_signup"),
        {
            "email": owner.user.email,
            "password1": "x-long-pass-991!",
            "password2": "x-long-pass-991!",
        },
    )
    assert response.status_code == 200
    assert User.objects.filter(email=owner.user.email).count() == 1


def test_login_with_one_account_lands_in_it(client):
    owner = account_with_owner(name="Only One")
    response = client.post(
        reverse("account_login"), {"login": owner.user.email, "password": PASSWORD}, follow=True
    )
    assert response.context["current_account"] == owner.account


def test_login_with_several_accounts_shows_the_chooser(client):
    owner = account_with_owner(name="One")
    MembershipFactory(user=owner.user, account__name="Two", role=Role.ADMIN)
    response = client.post(
        reverse("account_login"), {"login": owner.user.email, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("accounts:choose")


def test_wrong_password_is_a_form_error(client):
    owner = account_with_owner()
    response = client.post(reverse("account_login"), {"login": owner.user.email, "password": "no"})
    assert response.status_code == 200
    assert response.context["form"].errors
