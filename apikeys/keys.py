"""The API key format: `ak_live_` + 30 random base62 characters + a 6-character checksum.

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
_ALPHABET = string.digits + string.ascii_letters
_RANDOM_LENGTH = 30
_CHECKSUM_LENGTH = 6
KEY_LENGTH = len(KEY_PREFIX) + _RANDOM_LENGTH + _CHECKSUM_LENGTH
DISPLAY_PREFIX_LENGTH = len(KEY_PREFIX) + 4


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, remainder = divmod(number, 62)
        digits.append(_ALPHABET[remainder])
    return "".join(reversed(digits))


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), _CHECKSUM_LENGTH)


def generate_key() -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(_RANDOM_LENGTH))
    return f"{KEY_PREFIX}{body}{_checksum(KEY_PREFIX + body)}"


def is_well_formed(key: str) -> bool:
    """Whether `key` has our shape and a valid checksum (no database needed)."""
    if len(key) != KEY_LENGTH or not key.startswith(KEY_PREFIX):
        return False
    body, checksum = key[:-_CHECKSUM_LENGTH], key[-_CHECKSUM_LENGTH:]
    if any(char not in _ALPHABET for char in key[len(KEY_PREFIX) :]):
        return False
    return hmac.compare_digest(_checksum(body), checksum)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def display_prefix(key: str) -> str:
    return key[:DISPLAY_PREFIX_LENGTH]
