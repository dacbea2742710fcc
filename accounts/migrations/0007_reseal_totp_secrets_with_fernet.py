"""Move every authenticator secret from the old XOR/HMAC format to Fernet (accounts/sealing.py).

The old format (in django-otp's `key` column) was `nonce (8 bytes) || secret XOR
HMAC-SHA256(k, "totp-key:" || nonce)`, hex, with k = SHA-256("console-mfa-sealing:"
|| MFA_SEALING_KEY or SECRET_KEY). It is read here one last time, sealed anew
into `TOTPSecret`, and the column gets a random decoy.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import migrations

from accounts.sealing import seal

_OLD_NONCE_BYTES = 8


def unseal_old_format(stored: str) -> bytes:
    configured = getattr(settings, "MFA_SEALING_KEY", "") or settings.SECRET_KEY
    key = hashlib.sha256(b"console-mfa-sealing:" + configured.encode()).digest()
    raw = bytes.fromhex(stored)
    nonce, sealed = raw[:_OLD_NONCE_BYTES], raw[_OLD_NONCE_BYTES:]
    stream = hmac.new(key, b"totp-key:" + nonce, hashlib.sha256).digest()[: len(sealed)]
    return bytes(a ^ b for a, b in zip(sealed, stream, strict=True))


def reseal_devices(apps, schema_editor):
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    TOTPSecret = apps.get_model("accounts", "TOTPSecret")
    for device in TOTPDevice.objects.filter(sealed_secret__isnull=True).iterator():
        secret = unseal_old_format(device.key)
        TOTPSecret.objects.create(device=device, sealed=seal(secret))
        device.key = secrets.token_hex(20)
        device.save(update_fields=["key"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_totp_sealed_secret"),
    ]

    # Not reversible: going back would write the secrets in the old, unauthenticated format.
    operations = [migrations.RunPython(reseal_devices, elidable=False)]
