"""Authenticator secrets sealed at rest with Fernet (AES-CBC + HMAC-SHA256, `cryptography`).

django-otp keeps TOTP secrets as plain hex in a column too small for an
authenticated ciphertext, so the sealed secret lives in `accounts.TOTPSecret`.
`MFA_SEALING_KEYS` lists the keys: the first seals, every one unseals
(MultiFernet), so a key is rotated by putting a new one first, running
`manage.py rotate_mfa_sealing`, then dropping the old one.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from accounts.errors import ServiceError

SECRET_BYTES = 20


class UnsealError(ServiceError):
    """A sealed secret that none of the configured keys opens (tampered, or its key dropped)."""


def _fernet(passphrase: str) -> Fernet:
    # Each configured key is any long random string; HKDF turns it into a Fernet key.
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"console-mfa-sealing v2"
    ).derive(passphrase.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def sealing_keys() -> list[str]:
    """The configured keys, newest first; derived from SECRET_KEY when none is set."""
    keys = [key for key in getattr(settings, "MFA_SEALING_KEYS", []) if key]
    return keys or [getattr(settings, "MFA_SEALING_KEY", "") or settings.SECRET_KEY]


def _multi() -> MultiFernet:
    return MultiFernet([_fernet(key) for key in sealing_keys()])


def seal(secret: bytes) -> str:
    return _multi().encrypt(secret).decode()


def unseal(sealed: str) -> bytes:
    try:
        return _multi().decrypt(sealed.encode())
    except (InvalidToken, ValueError) as error:
        raise UnsealError(
            "Your authenticator app cannot be read on this server. "
            "Use a recovery code, or ask support to reset MFA for your login."
        ) from error


def reseal(sealed: str) -> str:
    """The same secret sealed with the first key (key rotation)."""
    try:
        return _multi().rotate(sealed.encode()).decode()
    except (InvalidToken, ValueError) as error:
        raise UnsealError("A sealed secret opens with none of MFA_SEALING_KEYS.") from error


# Other secrets the console must send on later (a webhook's auth header, say) are
# sealed with Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`), under a
# key derived with HKDF from SEALING_KEY (or SECRET_KEY) and the secret's purpose.


class SealError(ValueError):
    """A sealed value that cannot be opened: the sealing key changed, or it was altered."""


def _purpose_fernet(purpose: str) -> Fernet:
    configured = getattr(settings, "SEALING_KEY", "") or settings.SECRET_KEY
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"console-sealing", info=purpose.encode()
    ).derive(configured.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal_text(value: str, *, purpose: str) -> str:
    """`value` sealed for storage; only `unseal_text` with the same purpose opens it."""
    return _purpose_fernet(purpose).encrypt(value.encode()).decode("ascii")


def unseal_text(sealed: str, *, purpose: str) -> str:
    try:
        return _purpose_fernet(purpose).decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as exc:
        raise SealError("The sealed value cannot be opened with this server's key.") from exc
