"""Current account, chooser and switcher (A1, A3)."""

import pytest
from django.urls import reverse

from accounts.middleware import SESSION_KEY
from accounts.permissions import Role
from tests.conftest import login_client
from tests.factories import MembershipFactory, account_with_owner

pytestmark = pytest.mark.django_db


def test_one_account_goes_straight_in():
    owner = account_with_owner(name="Solo")
    client = login_client(owner.user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["current_account"] == owner.account
    assert client.session[SESSION_KEY] == owner.account.pk


def test_several_accounts_go_to_the_chooser_first():
    owner = account_with_owner(name="Mine")
    MembershipFactory(user=owner.user, account__name="Theirs", role=Role.READER)
    client = login_client(owner.user)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:choose")
    page = client.get(reverse("accounts:choose"))
    assert [m.account.name for m in page.context["memberships"]] == ["Mine", "Theirs"]


def test_switcher_lists_only_the_users_own_accounts(team):
    MembershipFactory(user=team.reader, account__name="Reader's own", role=Role.OWNER)
    client = login_client(team.reader, team.account)
    response = client.get(reverse("home"))
    names = [m.account.name for m in response.context["switcher_memberships"]]
    assert sorted(names) == ["Acme", "Reader's own"]
    assert team.outsider_account.name not in response.content.decode()


def test_switching_keeps_the_user_logged_in_and_changes_account(team):
    own = MembershipFactory(user=team.reader, account__name="Reader's own", role=Role.OWNER)
    client = login_client(team.reader, team.account)
    response = client.post(reverse("accounts:switch"), {"account": own.account.pk})
    assert response.status_code == 302
    response = client.get(reverse("home"))
    assert response.context["current_account"] == own.account
    assert response.context["current_membership"].role == Role.OWNER


def test_switching_to_a_foreign_account_is_refused_and_changes_nothing(team):
    client = login_client(team.reader, team.account)
    response = client.post(reverse("accounts:switch"), {"account": team.outsider_account.pk})
    assert response.status_code == 404
    assert client.session[SESSION_KEY] == team.account.pk


@pytest.mark.parametrize("value", ["", "abc", "999999999", "-1", "1.5"])
def test_switching_with_garbage_is_a_404_not_a_500(team, value):
    client = login_client(team.reader, team.account)
    response = client.post(reverse("accounts:switch"), {"account": value})
    assert response.status_code == 404


def test_switch_does_not_redirect_off_site(team):
    own = MembershipFactory(user=team.reader, role=Role.OWNER)
    client = login_client(team.reader, team.account)
    response = client.post(
        reverse("accounts:switch"), {"account": own.account.pk, "next": "https://evil.test/"}
    )
    assert response["Location"] == reverse("home")


def test_switch_is_post_only(team):
    client = login_client(team.reader, team.account)
    response = client.get(reverse("accounts:switch"), {"account": team.account.pk})
    assert response.status_code == 405


def test_tampered_session_value_is_ignored(team):
    client = login_client(team.reader)
    session = client.session
    session[SESSION_KEY] = "not-a-number"
    session.save()
    response = client.get(reverse("accounts:detail"))
    assert response.status_code == 200
    assert response.context["account"] == team.account


def test_foreign_account_in_session_gives_no_access(team):
    client = login_client(team.reader)
    MembershipFactory(user=team.reader, role=Role.READER)
    session = client.session
    session[SESSION_KEY] = team.outsider_account.pk
    session.save()
    response = client.get(reverse("accounts:detail"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:choose")


def test_removed_membership_stops_access_on_the_next_request(team):
    client = login_client(team.reader, team.account)
    assert client.get(reverse("accounts:detail")).status_code == 200
    team.reader.memberships.filter(account=team.account).delete()
    response = client.get(reverse("accounts:detail"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:choose")
    assert client.get(reverse("home"))["Location"] == reverse("accounts:none")


def test_user_without_accounts_can_open_one():
    owner = account_with_owner()
    user = owner.user
    owner.delete()
    client = login_client(user)
    assert client.get(reverse("home"))["Location"] == reverse("accounts:none")
    response = client.post(reverse("accounts:create"), {"name": "  Fresh start  "})
    assert response.status_code == 302
    membership = user.memberships.get()
    assert membership.role == Role.OWNER
    assert membership.account.name == "Fresh start"
    assert membership.account.plan == "free"


def test_blank_account_name_is_a_field_error():
    owner = account_with_owner()
    client = login_client(owner.user, owner.account)
    response = client.post(reverse("accounts:create"), {"name": "   "})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert owner.user.memberships.count() == 1
