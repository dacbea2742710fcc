"""The receiver's verification code, shown when an endpoint is created (README has the same)."""

VERIFY_SNIPPET = '''\
import hashlib
import hmac
import time


def verify(secret: str, body: bytes, header: str, tolerance: int = 300) -> bool:
    """Whether `body` (the raw request body) was signed with `secret` at most
    `tolerance` seconds ago. `header` is Console-Signature: "t=<unix time>,v1=<hex>"."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False  # too old (or from the future): a replay
    signed = f"{timestamp}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("v1", ""))
'''
