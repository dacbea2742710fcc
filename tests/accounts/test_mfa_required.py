"""'Require MFA for all members' (A6): the setting, and enforcement at the middleware."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from accounts.mfa import services
from accounts.models import AuditEvent
from accounts.permissions import Role
from tests.access import PERSONAS
from tests.conftest import login_client
from tests.factories import PASSWORD, MembershipFactory, enrol_mfa, totp_code
from tests.test_access_matrix import ROWS, build_world, console_url_names

pytestmark = pytest.mark.django_db

SETUP = reverse("accounts:mfa:setup")

# The API, authenticated by key or service token and never by the session.
KEY_AUTHENTICATED = ("v2:", "internal:", "admin_api:")

# What a member still owing enrolment may reach: their own pages, never the account's.
PERSON_LEVEL = {
    "accounts:choose",
    "accounts:switch",
    "accounts:none",
    "accounts:create",
    "members:accept",
    "sign_in_email",  # leads to the Security page (A4)
    "health",  # public
    "metrics",  # the operators' token decides, not a session
}


def _require(account):
    account.require_mfa = True
    account.save(update_fields=["require_mfa"])


def _verified_client(user, account, device):
    client = login_client(user, account)
    client.post(reverse("accounts:mfa:verify"), {"code": totp_code(device)})
    return client


def test_only_someone_with_mfa_can_turn_it_on(team):
    with pytest.raises(ValidationError, match="Set up MFA for your own login first"):
        services.account_set_require_mfa(account=team.account, actor=team.owner, require=True)
    team.account.refresh_from_db()
    assert not team.account.require_mfa
    enrol_mfa(team.admin)
    services.account_set_require_mfa(account=team.account, actor=team.admin, require=True)
    team.account.refresh_from_db()
    assert team.account.require_mfa
    assert AuditEvent.objects.filter(action="account.require_mfa_on", actor=team.admin).exists()
    # Turning it off needs no MFA of one's own.
    services.account_set_require_mfa(account=team.account, actor=team.owner, require=False)
    team.account.refresh_from_db()
    assert not team.account.require_mfa


def test_readers_cannot_change_it(team):
    enrol_mfa(team.reader)
    with pytest.raises(PermissionDenied):
        services.account_set_require_mfa(account=team.account, actor=team.reader, require=True)
    client = login_client(team.reader, team.account)
    response = client.post(reverse("accounts:require_mfa"), {"require_mfa": "on"})
    assert response.status_code in (302, 403)
    team.account.refresh_from_db()
    assert not team.account.require_mfa


def test_settings_page_lists_members_without_mfa_before_saving(team):
    device, _ = enrol_mfa(team.owner)
    client = _verified_client(team.owner, team.account, device)
    page = client.get(reverse("accounts:settings")).content.decode()
    assert "2 members without MFA yet" in page
    assert "admin@acme.test" in page and "reader@acme.test" in page
    response = client.post(reverse("accounts:require_mfa"), {"require_mfa": "on"})
    assert response["Location"] == reverse("accounts:settings")
    team.account.refresh_from_db()
    assert team.account.require_mfa


def test_settings_page_explains_why_the_switch_is_disabled(team, clients):
    page = clients["admin"].get(reverse("accounts:settings")).content.decode()
    assert "Set up MFA for your own login first" in page
    response = clients["admin"].post(reverse("accounts:require_mfa"), {"require_mfa": "on"})
    assert response.status_code == 302
    team.account.refresh_from_db()
    assert not team.account.require_mfa


def test_every_account_url_is_blocked_for_an_unenrolled_member(team, clients):
    """Walk the URL resolver as the authorization matrix does."""
    world = build_world(team)
    _require(team.account)
    client = clients["owner"]
    checked = 0
    for name in console_url_names():
        # A URL without a row fails test_every_console_url_has_a_row instead.
        row = ROWS.get(name)
        if row is None:
            continue
        if name in PERSON_LEVEL or name.startswith(("accounts:mfa:", *KEY_AUTHENTICATED)):
            continue
        url = reverse(name, kwargs=row.kwargs(world))
        response = getattr(client, row.method)(url, data=row.data(world))
        assert response.status_code == 302, (name, response.status_code)
        assert response["Location"].startswith(SETUP), (name, response["Location"])
        htmx = getattr(client, row.method)(url, data=row.data(world), HTTP_HX_REQUEST="true")
        assert htmx["HX-Redirect"] == SETUP, name
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in ("anonymous", "outsider")])
def test_each_role_is_sent_to_enrolment(team, clients, persona):
    _require(team.account)
    response = clients[persona].get(reverse("members:list"))
    assert response["Location"] == SETUP + "?next=%2Fmembers%2F"
    page = clients[persona].get(SETUP)
    assert page.status_code == 200
    assert "Acme requires MFA" in page.content.decode()


def test_the_person_level_pages_stay_usable(team, clients):
    _require(team.account)
    client = clients["reader"]
    assert client.get(reverse("accounts:choose")).status_code == 200
    assert client.get(reverse("accounts:mfa:security")).status_code == 200
    assert client.get(reverse("accounts:create")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302


def test_login_of_an_unenrolled_member_lands_on_enrolment(team):
    _require(team.account)
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": team.reader.email, "password": PASSWORD}
    )
    response = client.get(response["Location"])
    assert response["Location"].startswith(SETUP)


def test_switching_to_an_account_without_the_rule_still_works(team, clients):
    own = MembershipFactory(user=team.reader, account__name="Reader's own", role=Role.OWNER)
    _require(team.account)
    client = clients["reader"]
    assert client.get(reverse("home"))["Location"].startswith(SETUP)
    response = client.post(reverse("accounts:switch"), {"account": own.account.pk})
    assert response.status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert home.context["current_account"] == own.account
    assert client.get(reverse("members:list")).status_code == 200
    # Switching back into the strict account sends them to enrolment.
    response = client.post(
        reverse("accounts:switch"), {"account": team.account.pk, "next": "/projects/"}, follow=True
    )
    assert response.redirect_chain[-1][0].startswith(SETUP)


def test_enrolling_unlocks_the_account(team, clients):
    _require(team.account)
    client = clients["reader"]
    assert client.get(reverse("projects:list")).status_code == 302
    client.post(SETUP, {"action": "start"})
    from accounts.models import SealedTOTPDevice

    device = SealedTOTPDevice.objects.get(user=team.reader)
    response = client.post(SETUP, {"action": "confirm", "code": totp_code(device)})
    assert response.status_code == 200
    assert client.get(reverse("projects:list")).status_code == 200


def test_an_enrolled_member_with_an_unverified_session_gets_the_prompt(team):
    device, _ = enrol_mfa(team.reader)
    _require(team.account)
    client = login_client(team.reader, team.account)
    response = client.get(reverse("members:list"))
    assert response["Location"].startswith(reverse("accounts:mfa:verify"))
    client.post(reverse("accounts:mfa:verify"), {"code": totp_code(device)})
    assert client.get(reverse("members:list")).status_code == 200


def test_disabling_mfa_locks_the_member_out_of_the_strict_account_only(team, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device, _ = enrol_mfa(team.reader)
    own = MembershipFactory(user=team.reader, account__name="Reader's own", role=Role.OWNER)
    _require(team.account)
    client = _verified_client(team.reader, team.account, device)
    assert client.get(reverse("members:list")).status_code == 200
    client.post(reverse("accounts:mfa:disable"), {"code": totp_code(device, steps_ahead=1)})
    assert client.get(reverse("members:list"))["Location"].startswith(SETUP)
    client.post(reverse("accounts:switch"), {"account": own.account.pk})
    assert client.get(reverse("members:list")).status_code == 200
