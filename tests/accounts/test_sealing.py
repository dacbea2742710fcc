"""Authenticator secrets sealed with Fernet: opened, tampering refused, keys rotated, old format migrated."""

import hashlib
import hmac
import importlib
import io
import secrets

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SealedTOTPDevice, TOTPSecret
from accounts.sealing import UnsealError, seal, unseal
from tests.factories import PASSWORD, UserFactory, enrol_mfa, totp_code

pytestmark = pytest.mark.django_db


def test_a_sealed_secret_opens_and_is_not_in_clear(settings):
    settings.MFA_SEALING_KEYS = ["first-key-" + "x" * 30]
    secret = secrets.token_bytes(20)
    sealed = seal(secret)
    assert unseal(sealed) == secret
    assert secret.hex() not in sealed and seal(secret) != sealed  # a fresh IV each time


def test_a_tampered_secret_is_refused(settings):
    settings.MFA_SEALING_KEYS = ["first-key-" + "x" * 30]
    sealed = seal(b"s" * 20)
    middle = len(sealed) // 2
    tampered = sealed[:middle] + ("A" if sealed[middle] != "A" else "B") + sealed[middle + 1 :]
    with pytest.raises(UnsealError):
        unseal(tampered)


def test_a_secret_sealed_with_another_key_is_refused(settings):
    settings.MFA_SEALING_KEYS = ["one-key-" + "x" * 30]
    sealed = seal(b"s" * 20)
    settings.MFA_SEALING_KEYS = ["another-key-" + "y" * 30]
    with pytest.raises(UnsealError):
        unseal(sealed)


def test_rotation_new_key_first_old_still_opens_then_reseal(settings):
    settings.MFA_SEALING_KEYS = ["old-key-" + "o" * 30]
    user = UserFactory()
    device, _codes = enrol_mfa(user)
    secret = device.bin_key

    settings.MFA_SEALING_KEYS = ["new-key-" + "n" * 30, "old-key-" + "o" * 30]
    assert SealedTOTPDevice.objects.get(pk=device.pk).bin_key == secret
    call_command("rotate_mfa_sealing", stdout=io.StringIO())

    settings.MFA_SEALING_KEYS = ["new-key-" + "n" * 30]
    assert SealedTOTPDevice.objects.get(pk=device.pk).bin_key == secret


def test_a_device_whose_secret_cannot_be_opened_is_a_message_at_login(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    user = UserFactory()
    device, _codes = enrol_mfa(user)
    code = totp_code(device)
    settings.MFA_SEALING_KEYS = ["a-key-that-sealed-nothing-" + "z" * 20]
    client = Client()
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    response = client.post(reverse("accounts:mfa:login"), {"code": code})
    assert response.status_code == 400
    assert "cannot be read on this server" in response.content.decode()


def _old_format_seal(secret: bytes, configured: str) -> str:
    """The hand-made format this project used before Fernet (only to build old rows)."""
    key = hashlib.sha256(b"console-mfa-sealing:" + configured.encode()).digest()
    nonce = secrets.token_bytes(8)
    stream = hmac.new(key, b"totp-key:" + nonce, hashlib.sha256).digest()[: len(secret)]
    return (nonce + bytes(a ^ b for a, b in zip(secret, stream, strict=True))).hex()


def test_the_migration_reseals_an_old_format_device(settings):
    settings.MFA_SEALING_KEY = "the-old-single-key"
    settings.MFA_SEALING_KEYS = []
    user = UserFactory()
    secret = secrets.token_bytes(20)
    old_key = _old_format_seal(secret, "the-old-single-key")
    device = TOTPDevice.objects.create(user=user, name="Old app", confirmed=True, key=old_key)

    migration = importlib.import_module("accounts.migrations.0007_reseal_totp_secrets_with_fernet")
    migration.reseal_devices(apps, None)

    device.refresh_from_db()
    assert device.key != old_key and secret.hex() not in device.key
    assert secret.hex() not in TOTPSecret.objects.get(device=device).sealed
    assert SealedTOTPDevice.objects.get(pk=device.pk).bin_key == secret
    # Run again, it changes nothing (already resealed devices are skipped).
    sealed = TOTPSecret.objects.get(device=device).sealed
    migration.reseal_devices(apps, None)
    assert TOTPSecret.objects.get(device=device).sealed == sealed
