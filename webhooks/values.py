"""Account webhooks' events, limits and retry schedule (C2)."""

from datetime import timedelta
from urllib.parse import urlsplit

from django.db import models

MAX_ENDPOINTS_PER_ACCOUNT = 10
MAX_URL_LENGTH = 2000
MAX_DESCRIPTION_LENGTH = 200
# A failing delivery is retried, ever further apart, until this long after the event.
RETRY_WINDOW = timedelta(hours=24)
FIRST_RETRY_SECONDS = 60
LONGEST_RETRY_SECONDS = 4 * 3600
# An attempt claims its delivery for this long: a worker that dies mid-attempt lets
# the sweep retry it after that, and no two workers POST the same attempt.
ATTEMPT_LEASE = timedelta(minutes=5)
# The sweep leaves a due delivery this long to its own queued task before sending it itself.
SWEEP_GRACE = timedelta(minutes=1)
# How far a receiver's clock may differ from ours, in the documented check.
SIGNATURE_TOLERANCE_SECONDS = 300
SIGNATURE_HEADER = "Console-Signature"
SECRET_PREFIX = "whsec_"
# What the signing secret is sealed for (accounts.sealing).
SECRET_PURPOSE = "account-webhook-secret"
# What the endpoint's URL is sealed for: a chat tool's incoming-webhook URL is a credential.
URL_PURPOSE = "account-webhook-url"


class Event(models.TextChoices):
    SPEND_ALERT_FIRED = "spend_alert.fired", "A spend alert fired"
    SPEND_LIMIT_REACHED = "spend_limit.reached", "A spend limit was reached"
    API_KEY_EXPIRING = "api_key.expiring", "An API key expires in 7 days or 1 day"
    API_KEY_EXPIRED = "api_key.expired", "An API key expired"
    TEST = "test", "Test event (sent from the endpoint's page)"


def retry_delay(attempts: int) -> timedelta:
    """How long after failed attempt number `attempts` (1, 2, ...) the next one is due."""
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** (attempts - 1), LONGEST_RETRY_SECONDS))


def host_of(url: str) -> str:
    """How lists and the audit log name an endpoint: its host, not its path or query."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""
