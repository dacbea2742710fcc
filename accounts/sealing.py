"""Authenticator secrets stored sealed, never in clear (django-otp stores them as plain hex).

The stored `key` is `nonce (8 bytes) || secret XOR keystream`, hex-encoded, where
the keystream is HMAC-SHA256(sealing key, nonce). It still fits django-otp's hex
`key` column, and only a server holding the sealing key can read it back.
"""

import hashlib
import hmac
import secrets

from django.conf import settings

_NONCE_BYTES = 8
SECRET_BYTES = 20


def _sealing_key() -> bytes:
    # A dedicated key may be set; otherwise one is derived from SECRET_KEY, so
    # rotating SECRET_KEY without setting MFA_SEALING_KEY to the old value makes
    # every member enrol again.
    configured = getattr(settings, "MFA_SEALING_KEY", "") or settings.SECRET_KEY
    return hashlib.sha256(b"console-mfa-sealing:" + configured.encode()).digest()


def _keystream(nonce: bytes, length: int) -> bytes:
    return hmac.new(_sealing_key(), b"totp-key:" + nonce, hashlib.sha256).digest()[:length]


def seal(secret: bytes) -> str:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = bytes(a ^ b for a, b in zip(secret, _keystream(nonce, len(secret)), strict=True))
    return (nonce + sealed).hex()


def unseal(stored: str) -> bytes:
    raw = bytes.fromhex(stored)
    nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
    return bytes(a ^ b for a, b in zip(sealed, _keystream(nonce, len(sealed)), strict=True))
