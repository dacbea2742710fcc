"""Authenticator secrets stored sealed, never in clear (django-otp stores them as plain hex).

The stored `key` is `nonce (8 bytes) || secret XOR keystream`, hex-encoded, where
the keystream is HMAC-SHA256(sealing key, nonce). It still fits django-otp's hex
`key` column, and only a server holding the sealing key can read it back.
"""

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
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


# Other secrets the console must send on later (a webhook's auth header, say) are
# sealed with Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`), under a
# key derived with HKDF from SEALING_KEY (or SECRET_KEY) and the secret's purpose.


class SealError(ValueError):
    """A sealed value that cannot be opened: the sealing key changed, or it was altered."""


def _fernet(purpose: str) -> Fernet:
    configured = getattr(settings, "SEALING_KEY", "") or settings.SECRET_KEY
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"console-sealing", info=purpose.encode()
    ).derive(configured.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal_text(value: str, *, purpose: str) -> str:
    """`value` sealed for storage; only `unseal_text` with the same purpose opens it."""
    return _fernet(purpose).encrypt(value.encode()).decode("ascii")


def unseal_text(sealed: str, *, purpose: str) -> str:
    try:
        return _fernet(purpose).decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as exc:
        raise SealError("The sealed value cannot be opened with this server's key.") from exc
