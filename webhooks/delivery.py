"""Sending one delivery: sign the body, POST it through the SSRF guard, record the answer (C2).

A delivery is claimed before its attempt by moving its due time ahead by a lease
(one conditional UPDATE), so the queued task, a duplicate of it and the beat
sweep never POST the same attempt twice, and no row lock is held while the
receiver answers. Any 2xx is success; anything else is retried, ever further
apart (`values.retry_delay`), until 24 hours after the event, then failed.
"""

import hashlib
import hmac
import json
import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from accounts import outbound
from accounts.sealing import SealError, unseal_text
from webhooks.models import WebhookDelivery
from webhooks.values import (
    ATTEMPT_LEASE,
    RETRY_WINDOW,
    SECRET_PURPOSE,
    SIGNATURE_HEADER,
    SWEEP_GRACE,
    retry_delay,
)

logger = logging.getLogger(__name__)

_SWEEP_BATCH = 500


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def signature(secret: str, *, timestamp: int, body: bytes) -> str:
    """The signature header's value: `t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def scheme_refusal(url: str) -> str:
    """Why `url` may not be used as an endpoint's scheme-wise, or "" if it may."""
    if url.lower().startswith("https://"):
        return ""
    if url.lower().startswith("http://") and settings.WEBHOOKS_ALLOW_HTTP:
        return ""
    return "The URL must start with https:// (webhooks are sent over TLS only)."


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id)
        .due(now)
        .update(next_attempt_at=now + ATTEMPT_LEASE)
    )
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)


def _post(delivery: WebhookDelivery, now: datetime) -> tuple[int | None, str, bool]:
    """(status code or None, error or "", whether trying again is pointless)."""
    endpoint = delivery.endpoint
    refusal = scheme_refusal(endpoint.url)
    if refusal:
        return None, refusal, True
    try:
        secret = unseal_text(endpoint.secret_sealed, purpose=SECRET_PURPOSE)
    except SealError:
        return None, "The signing secret cannot be opened on this server: roll the secret.", True
    body = body_of(delivery.payload)
    headers = {SIGNATURE_HEADER: signature(secret, timestamp=int(now.timestamp()), body=body)}
    try:
        code = outbound.post_body(
            endpoint.url, body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT
        )
    except outbound.DestinationRefused as exc:
        return None, exc.message, True
    except outbound.OutboundError as exc:
        return None, exc.message, False
    if 200 <= code < 300:
        return code, "", False
    return code, f"The endpoint answered HTTP {code}.", False


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> WebhookDelivery | None:
    """Make the delivery's next attempt if it is due and nobody else is making it.

    Returns the delivery as it stands after the attempt, or None when there was
    nothing to do (not due, already done, another worker holds it, or it was deleted).
    """
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    code, error, hopeless = _post(delivery, now)
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_code = code
    delivery.last_error = error[:300]
    deadline = delivery.created_at + RETRY_WINDOW
    if not error:
        delivery.status = WebhookDelivery.Status.SUCCEEDED
        delivery.next_attempt_at = None
    elif hopeless or now >= deadline:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
    else:
        # The last retry falls on the deadline itself, so the 24 hours are used in full.
        delivery.next_attempt_at = min(now + retry_delay(delivery.attempts), deadline)
    fields = ["attempts", "last_attempt_at", "response_code", "last_error", "status"]
    # A filtered update: the endpoint (and with it this delivery) may have been
    # deleted while the POST was under way, which leaves nothing to record.
    recorded = WebhookDelivery.objects.filter(pk=delivery.pk).update(
        **{name: getattr(delivery, name) for name in [*fields, "next_attempt_at"]}
    )
    if not recorded:
        return None
    if error:
        logger.info(
            "Webhook delivery %s attempt %d failed: %s", delivery.pk, delivery.attempts, error
        )
    return delivery


def due_delivery_ids(*, now: datetime | None = None) -> list[int]:
    """Deliveries overdue by more than the grace their own queued task had (its message lost)."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.due(now - SWEEP_GRACE)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:_SWEEP_BATCH]
    )
