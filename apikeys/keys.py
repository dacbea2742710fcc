"""The API key format: `ak_live_` + 30 random base62 characters + a 6-character checksum.

Admin keys (the account-level keys of the admin API) have the same shape with
the prefix `ak_admin_`, so that neither kind is ever mistaken for the other.

The fixed prefix lets secret scanners find leaked keys; the CRC32 checksum lets a
typo'd or truncated key be rejected offline, before any database lookup (the
shape of GitHub's token format). 30 base62 characters carry 178 bits of entropy.
"""

import hashlib
import hmac
import secrets
import string
import zlib

KEY_PREFIX = "ak_live_"
ADMIN_KEY_PREFIX = "ak_admin_"
_ALPHABET = string.digits + string.ascii_letters
_RANDOM_LENGTH = 30
_CHECKSUM_LENGTH = 6
KEY_LENGTH = len(KEY_PREFIX) + _RANDOM_LENGTH + _CHECKSUM_LENGTH
DISPLAY_PREFIX_LENGTH = len(KEY_PREFIX) + 4
_DISPLAY_RANDOM_CHARACTERS = 4


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, remainder = divmod(number, 62)
        digits.append(_ALPHABET[remainder])
    return "".join(reversed(digits))


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), _CHECKSUM_LENGTH)


def generate_key(prefix: str = KEY_PREFIX) -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(_RANDOM_LENGTH))
    return f"{prefix}{body}{_checksum(prefix + body)}"


def is_well_formed(key: str, prefix: str = KEY_PREFIX) -> bool:
    """Whether `key` has our shape and a valid checksum (no database needed)."""
    if len(key) != len(prefix) + _RANDOM_LENGTH + _CHECKSUM_LENGTH or not key.startswith(prefix):
        return False
    body, checksum = key[:-_CHECKSUM_LENGTH], key[-_CHECKSUM_LENGTH:]
    if any(char not in _ALPHABET for char in key[len(prefix) :]):
        return False
    return hmac.compare_digest(_checksum(body), checksum)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def display_prefix(key: str) -> str:
    """The key's fixed prefix and its first random characters, shown in lists."""
    prefix = ADMIN_KEY_PREFIX if key.startswith(ADMIN_KEY_PREFIX) else KEY_PREFIX
    return key[: len(prefix) + _DISPLAY_RANDOM_CHARACTERS]
