"""Account webhooks: endpoints managed by Owners and Admins, and events turned into deliveries (C2).

Every change checks the actor with `ensure_can(MANAGE_WEBHOOKS)` and writes the
audit log. The signing secret exists in clear only in what a create or a roll
returns (to be shown once); the audit log names an endpoint by its host, never
by its whole URL (chat tools put their token in the path).
"""

import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import outbound
from accounts.actors import Actor, actor_name, user_or_none
from accounts.audit import audit_log
from accounts.models import Account, AuditAction
from accounts.names import CONTROL_MESSAGE, has_control_characters
from accounts.permissions import Action
from accounts.sealing import seal_text
from accounts.services import ensure_can, locked_account
from webhooks.delivery import scheme_refusal
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.tasks import deliveries_enqueue
from webhooks.values import (
    MAX_DESCRIPTION_LENGTH,
    MAX_ENDPOINTS_PER_ACCOUNT,
    MAX_URL_LENGTH,
    SECRET_PREFIX,
    SECRET_PURPOSE,
    Event,
)

# What an endpoint may subscribe to: `test` is sent only on request, to one endpoint.
SUBSCRIBABLE = [event for event in Event if event != Event.TEST]


@dataclass(frozen=True)
class NewSecret:
    """An endpoint whose signing secret was just made: `secret` exists only here, shown once."""

    endpoint: WebhookEndpoint
    secret: str


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise ValidationError({"url": "Enter the URL events are sent to."})
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError({"url": f"Use a URL of at most {MAX_URL_LENGTH} characters."})
    if has_control_characters(url) or any(char.isspace() for char in url):
        raise ValidationError({"url": "A URL cannot contain spaces or control characters."})
    refusal = scheme_refusal(url)
    if refusal:
        raise ValidationError({"url": refusal})
    try:
        parsed = outbound.check_url(url)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        # SECURITY: the same guard as every delivery (which checks again, against DNS rebinding).
        outbound.resolve(parsed.raw_host.decode("ascii"), port)
    except outbound.OutboundError as exc:
        raise ValidationError({"url": exc.message}) from None
    except UnicodeError:
        raise ValidationError({"url": "The URL's host name is not valid."}) from None
    return url


def _clean_events(events: Sequence[str]) -> list[str]:
    chosen = set(events or ())
    unknown = chosen - {event.value for event in SUBSCRIBABLE}
    if unknown:
        raise ValidationError({"events": f"Unknown events: {', '.join(sorted(unknown))}."})
    if not chosen:
        raise ValidationError({"events": "Choose at least one event to send."})
    return [event.value for event in SUBSCRIBABLE if event.value in chosen]


def _clean_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise ValidationError({"description": f"Use at most {MAX_DESCRIPTION_LENGTH} characters."})
    if has_control_characters(description):
        raise ValidationError({"description": CONTROL_MESSAGE})
    return description


def _audit(
    account: Account, actor: Actor, action: str, endpoint: WebhookEndpoint, metadata: dict
) -> None:
    """An entry naming the endpoint by its description or host, never its URL."""
    audit_log(
        account=account,
        actor=actor,
        action=action,
        target=endpoint,
        target_label=_label(endpoint),
        metadata=metadata,
    )


def _clean_fields(*, url: str, events: Sequence[str], description: str, enabled: bool) -> dict:
    """An endpoint's fields, checked: every field's problem told at once."""
    fields: dict[str, Any] = {"enabled": bool(enabled)}
    errors: dict[str, Any] = {}
    checks: tuple[tuple[str, Callable[[Any], Any], Any], ...] = (
        ("url", _clean_url, url),
        ("events", _clean_events, events),
        ("description", _clean_description, description),
    )
    for name, clean, value in checks:
        try:
            fields[name] = clean(value)
        except ValidationError as error:
            error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    return fields


def _new_secret() -> tuple[str, str, str]:
    """(secret, its sealed form, the prefix kept to recognise it)."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    return secret, seal_text(secret, purpose=SECRET_PURPOSE), secret[: len(SECRET_PREFIX) + 4]


def _describe(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {"host": endpoint.host, "events": endpoint.events, "enabled": endpoint.enabled}


def _label(endpoint: WebhookEndpoint) -> str:
    return endpoint.description or endpoint.host


@transaction.atomic
def webhook_endpoint_create(
    *,
    account: Account,
    actor: Actor,
    url: str,
    events: Sequence[str],
    description: str = "",
    enabled: bool = True,
) -> NewSecret:
    """A new endpoint for `events`, within the account's cap; its secret is returned once."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_WEBHOOKS)
    fields = _clean_fields(url=url, events=events, description=description, enabled=enabled)
    account = locked_account(account)
    if WebhookEndpoint.objects.for_account(account).count() >= MAX_ENDPOINTS_PER_ACCOUNT:
        raise ValidationError(
            f"An account can have at most {MAX_ENDPOINTS_PER_ACCOUNT} webhook endpoints: "
            "delete one first, or send several events to one endpoint."
        )
    secret, sealed, prefix = _new_secret()
    endpoint = WebhookEndpoint.objects.create(
        account=account,
        secret_sealed=sealed,
        secret_prefix=prefix,
        created_by=user_or_none(actor),
        created_by_email=actor_name(actor)[:254],
        **fields,
    )
    _audit(account, actor, AuditAction.WEBHOOK_CREATE, endpoint, _describe(endpoint))
    return NewSecret(endpoint=endpoint, secret=secret)


def _locked(account: Account, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    # SECURITY: only the account's own endpoint; one deleted meanwhile is "not found".
    found = (
        WebhookEndpoint.objects.for_account(account)
        .select_for_update()
        .filter(pk=endpoint.pk)
        .first()
    )
    if found is None:
        raise ValidationError("This webhook endpoint no longer exists.")
    return found


@transaction.atomic
def webhook_endpoint_update(
    *,
    account: Account,
    actor: Actor,
    endpoint: WebhookEndpoint,
    url: str,
    events: Sequence[str],
    description: str,
    enabled: bool,
) -> WebhookEndpoint:
    """Change where the endpoint is, what it receives and whether it receives anything."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_WEBHOOKS)
    fields = _clean_fields(url=url, events=events, description=description, enabled=enabled)
    endpoint = _locked(account, endpoint)
    changed = [name for name, value in fields.items() if getattr(endpoint, name) != value]
    if not changed:
        return endpoint
    for name, value in fields.items():
        setattr(endpoint, name, value)
    # The URL is stored as its sealed form and its host.
    columns = {"url": ["url_sealed", "host"]}
    endpoint.save(update_fields=[c for name in changed for c in columns.get(name, [name])])
    _audit(
        account,
        actor,
        AuditAction.WEBHOOK_UPDATE,
        endpoint,
        {**_describe(endpoint), "changed": changed},
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, account: Account, actor: Actor, endpoint: WebhookEndpoint) -> None:
    """The endpoint and its delivery log go; pending retries stop."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_WEBHOOKS)
    endpoint = _locked(account, endpoint)
    _audit(account, actor, AuditAction.WEBHOOK_DELETE, endpoint, _describe(endpoint))
    endpoint.delete()


@transaction.atomic
def webhook_secret_roll(*, account: Account, actor: Actor, endpoint: WebhookEndpoint) -> NewSecret:
    """A new signing secret, at once: the old one no longer signs anything."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_WEBHOOKS)
    endpoint = _locked(account, endpoint)
    secret, endpoint.secret_sealed, endpoint.secret_prefix = _new_secret()
    endpoint.save(update_fields=["secret_sealed", "secret_prefix"])
    _audit(
        account,
        actor,
        AuditAction.WEBHOOK_ROLL_SECRET,
        endpoint,
        {"host": endpoint.host, "secret_prefix": endpoint.secret_prefix},
    )
    return NewSecret(endpoint=endpoint, secret=secret)


def event_payload(
    *, account: Account, event: str, data: dict[str, Any], text: str, now: datetime
) -> dict[str, Any]:
    """What every endpoint receives for one event; `text` is the line chat tools show."""
    return {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": Event(event).value,
        "created_at": now.isoformat(),
        "account": {"id": account.pk, "name": account.name},
        "data": data,
        "text": text,
    }


def _queue(deliveries: list[WebhookDelivery]) -> None:
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(partial(deliveries_enqueue, ids))


def event_publish(
    *,
    account: Account,
    event: str,
    data: dict[str, Any],
    text: str,
    now: datetime | None = None,
) -> list[WebhookDelivery]:
    """One delivery of the event per enabled endpoint of the account subscribed to it."""
    now = now or timezone.now()
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.for_account(account).filter(enabled=True)
        if endpoint.subscribes_to(event)
    ]
    if not endpoints:
        return []
    payload = event_payload(account=account, event=event, data=data, text=text, now=now)
    with transaction.atomic():
        deliveries = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(
                account=account,
                endpoint=endpoint,
                event_id=payload["id"],
                event_type=payload["type"],
                payload=payload,
                next_attempt_at=now,
                created_at=now,
            )
            for endpoint in endpoints
        )
        _queue(deliveries)
    return deliveries


@transaction.atomic
def webhook_test_send(
    *, account: Account, actor: Actor, endpoint: WebhookEndpoint, now: datetime | None = None
) -> WebhookDelivery:
    """A `test` event to this one endpoint (also when it is turned off), signed like any other."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_WEBHOOKS)
    endpoint = _locked(account, endpoint)
    now = now or timezone.now()
    payload = event_payload(
        account=account,
        event=Event.TEST,
        data={"endpoint_id": endpoint.pk, "sent_by": actor_name(actor)},
        text=f"Test event from the speech console for {account.name}: this endpoint works.",
        now=now,
    )
    delivery = WebhookDelivery.objects.create(
        account=account,
        endpoint=endpoint,
        event_id=payload["id"],
        event_type=Event.TEST,
        payload=payload,
        next_attempt_at=now,
        created_at=now,
    )
    _audit(
        account,
        actor,
        AuditAction.WEBHOOK_TEST,
        endpoint,
        {"host": endpoint.host, "event_id": delivery.event_id},
    )
    _queue([delivery])
    return delivery


@transaction.atomic
def webhook_redeliver(
    *, account: Account, actor: Actor, delivery: WebhookDelivery, now: datetime | None = None
) -> WebhookDelivery:
    """Send a finished delivery's event again, as a new delivery with the same event id."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_WEBHOOKS)
    # SECURITY: only the account's own delivery, locked so two clicks make one redelivery each.
    original = (
        WebhookDelivery.objects.for_account(account)
        .select_for_update()
        .select_related("endpoint")
        .filter(pk=delivery.pk)
        .first()
    )
    if original is None:
        raise ValidationError("This delivery no longer exists.")
    if original.status == WebhookDelivery.Status.PENDING:
        raise ValidationError(
            "This delivery is still being tried; redeliver it once it has succeeded or failed."
        )
    now = now or timezone.now()
    again = WebhookDelivery.objects.create(
        account=account,
        endpoint=original.endpoint,
        event_id=original.event_id,
        event_type=original.event_type,
        payload=original.payload,
        next_attempt_at=now,
        created_at=now,
    )
    _audit(
        account,
        actor,
        AuditAction.WEBHOOK_REDELIVER,
        original.endpoint,
        {"event_id": original.event_id, "event_type": original.event_type},
    )
    _queue([again])
    return again
