"""MFA for every user: enrolment, the login step, recovery codes, throttling, disabling (A6)."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken

from accounts.mfa.selectors import has_mfa
from accounts.models import AuditEvent, SealedTOTPDevice
from tests.conftest import login_client
from tests.factories import PASSWORD, account_with_owner, enrol_mfa, totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_throttle(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def owner():
    return account_with_owner(name="Solo").user


def _password_step(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_enrol_from_the_security_page(owner, no_throttle):
    client = login_client(owner)
    page = client.get(reverse("accounts:mfa:security"))
    assert "Off" in page.content.decode()
    # The sign-in card: the email (changed by support) and the password link.
    sign_in = page.content.decode().split('id="sign-in"')[1]
    assert owner.email in sign_in and "Support changes it" in sign_in
    assert reverse("account_change_password") in sign_in
    assert client.post(reverse("accounts:mfa:setup"), {"action": "start"}).status_code == 302

    setup = client.get(reverse("accounts:mfa:setup"))
    text = setup.content.decode()
    assert "<svg" in text  # the QR code, drawn on the server
    device = SealedTOTPDevice.objects.get(user=owner, confirmed=False)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', text).group(1).replace(" ", "")
    import base64

    assert base64.b32decode(secret) == device.bin_key

    wrong = client.post(reverse("accounts:mfa:setup"), {"action": "confirm", "code": "000000"})
    assert wrong.status_code == 400
    assert "not right" in wrong.content.decode()
    assert not has_mfa(owner)

    done = client.post(
        reverse("accounts:mfa:setup"), {"action": "confirm", "code": totp_code(device)}
    )
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert has_mfa(owner)
    # Recovery codes are stored as digests, never as shown.
    stored = set(StaticToken.objects.filter(device__user=owner).values_list("token", flat=True))
    assert len(stored) == 10
    assert not stored & ({*codes} | {c.replace("-", "") for c in codes})
    # The session that enrolled is verified, and the event is in the audit log.
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(action="user.mfa_enable", actor=owner).exists()
    # Shown once: the security page only counts them.
    page = client.get(reverse("accounts:mfa:security")).content.decode()
    assert "10</strong> of 10" in page
    assert codes[0] not in page


def test_login_asks_for_the_code_after_the_password(owner, no_throttle):
    device, _ = enrol_mfa(owner)
    client = Client()
    response = _password_step(client, owner)
    assert response["Location"] == reverse("accounts:mfa:login")
    # Not logged in until the code is given.
    assert client.get(reverse("home"))["Location"].startswith(reverse("account_login"))
    prompt = client.get(reverse("accounts:mfa:login"))
    assert owner.email in prompt.content.decode()

    wrong = client.post(reverse("accounts:mfa:login"), {"code": "000000"})
    assert wrong.status_code == 400
    assert "not right" in wrong.content.decode()

    right = client.post(reverse("accounts:mfa:login"), {"code": totp_code(device)})
    assert right.status_code == 302
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(reverse("home")).status_code == 200


def test_users_without_mfa_log_in_with_the_password_alone(owner):
    client = Client()
    response = _password_step(client, owner)
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_a_recovery_code_works_once(owner, no_throttle):
    _, codes = enrol_mfa(owner)
    client = Client()
    _password_step(client, owner)
    response = client.post(reverse("accounts:mfa:login"), {"code": codes[3].upper()})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert StaticToken.objects.filter(device__user=owner).count() == 9

    again = Client()
    _password_step(again, owner)
    reused = again.post(reverse("accounts:mfa:login"), {"code": codes[3]})
    assert reused.status_code == 400
    assert again.get(reverse("home")).status_code == 302


def test_wrong_codes_are_rate_limited(owner):
    device, _ = enrol_mfa(owner)
    client = Client()
    _password_step(client, owner)
    client.post(reverse("accounts:mfa:login"), {"code": "000000"})
    # Even the right code is refused during the back-off.
    response = client.post(reverse("accounts:mfa:login"), {"code": totp_code(device)})
    assert response.status_code == 400
    assert "Too many wrong codes" in response.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_cancel_at_the_code_step_goes_back_to_login(owner):
    enrol_mfa(owner)
    client = Client()
    _password_step(client, owner)
    response = client.post(reverse("accounts:mfa:login"), {"cancel": "1"})
    assert response["Location"].startswith(reverse("account_login"))
    assert client.get(reverse("accounts:mfa:login"))["Location"].startswith(
        reverse("account_login")
    )


def test_a_session_without_its_second_factor_is_sent_to_the_prompt(owner, no_throttle):
    device, _ = enrol_mfa(owner)
    client = login_client(owner)  # signed in, but no code given in this session
    response = client.get(reverse("projects:list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:mfa:verify") + "?next=%2Fprojects%2F"
    htmx = client.get(reverse("projects:list"), HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == reverse("accounts:mfa:verify")
    assert client.get(reverse("accounts:mfa:security")).status_code == 302
    response = client.post(
        reverse("accounts:mfa:verify"), {"code": totp_code(device), "next": "/projects/"}
    )
    assert response["Location"] == "/projects/"
    assert client.get(reverse("projects:list")).status_code == 200


def test_disable_needs_a_valid_code(owner, no_throttle):
    device, _ = enrol_mfa(owner)
    client = login_client(owner)
    client.post(reverse("accounts:mfa:verify"), {"code": totp_code(device)})
    client.post(reverse("accounts:mfa:disable"), {"code": "123456"})
    assert has_mfa(owner)
    client.post(reverse("accounts:mfa:disable"), {"code": totp_code(device, steps_ahead=1)})
    assert not has_mfa(owner)
    assert not StaticToken.objects.filter(device__user=owner).exists()
    assert AuditEvent.objects.filter(action="user.mfa_disable").exists()
    # Password alone again.
    assert _password_step(Client(), owner)["Location"] == reverse("home")


def test_new_recovery_codes_replace_the_old_ones(owner, no_throttle):
    _, old_codes = enrol_mfa(owner)
    client = login_client(owner)
    client.post(reverse("accounts:mfa:verify"), {"code": old_codes[0]})
    response = client.post(reverse("accounts:mfa:recovery_codes"), {"code": old_codes[1]})
    new_codes = response.context["codes"]
    assert len(new_codes) == 10
    assert not set(new_codes) & set(old_codes)
    fresh = Client()
    _password_step(fresh, owner)
    assert fresh.post(reverse("accounts:mfa:login"), {"code": old_codes[2]}).status_code == 400
    assert fresh.post(reverse("accounts:mfa:login"), {"code": new_codes[0]}).status_code == 302


@pytest.mark.parametrize("code", ["", " ", "x" * 40, "12345678901", "💥", "-----"])
def test_garbage_codes_are_a_clear_error(owner, no_throttle, code):
    enrol_mfa(owner)
    client = Client()
    _password_step(client, owner)
    response = client.post(reverse("accounts:mfa:login"), {"code": code})
    assert response.status_code == 400
    assert client.get(reverse("home")).status_code == 302


def test_setup_confirm_without_start_is_a_clear_error(owner):
    client = login_client(owner)
    response = client.post(reverse("accounts:mfa:setup"), {"action": "confirm", "code": "123456"})
    assert response.status_code == 400
    assert "Start the set-up again" in response.content.decode()
    assert not has_mfa(owner)


def test_authenticator_secret_is_not_stored_in_clear(db):
    """The database holds the secret sealed: neither its hex nor its base32 form."""
    import base64

    from django.db import connection

    from accounts.models import SealedTOTPDevice
    from tests.factories import UserFactory, enrol_mfa

    user = UserFactory()
    device, _codes = enrol_mfa(user)
    secret = device.bin_key
    stored = SealedTOTPDevice.objects.get(pk=device.pk).key
    assert bytes.fromhex(stored) != secret
    assert secret.hex() not in stored
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM otp_totp_totpdevice WHERE id = %s", [device.pk])
        (column,) = cursor.fetchone()
    assert secret.hex() not in column.lower()
    assert base64.b32encode(secret).decode() not in column.upper()
