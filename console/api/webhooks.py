"""Account webhooks (C2) through the console's services: endpoints, their deliveries, test
events and redelivery. Like the Webhooks page, an Admin-role key only: a Reader's is 403."""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Router, Schema, Status
from pydantic import AfterValidator, Field

from accounts.models import Account
from accounts.permissions import Action
from console.api import pagination
from console.api.auth import acting
from console.api.schemas import Id, Page, _storable
from console.api.statuses import errors
from webhooks import services
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.selectors import deliveries_of
from webhooks.values import MAX_DESCRIPTION_LENGTH, MAX_URL_LENGTH

router = Router(tags=["webhooks"])

EventName = Literal[
    "spend_alert.fired", "spend_limit.reached", "api_key.expiring", "api_key.expired"
]
Url = Annotated[str, Field(min_length=1, max_length=MAX_URL_LENGTH), AfterValidator(_storable)]
Description = Annotated[str, Field(max_length=MAX_DESCRIPTION_LENGTH), AfterValidator(_storable)]
Events = Annotated[list[EventName], Field(min_length=1, max_length=4)]


class WebhookOut(Schema):
    id: int
    url: str
    description: str
    events: list[str]
    enabled: bool
    secret_prefix: str = Field(description="The signing secret's first characters.")
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="The signing secret, shown this once.")


class WebhookPage(Page):
    data: list[WebhookOut]


class WebhookIn(Schema):
    url: Url = Field(description="https, resolving to a public address.")
    events: Events
    description: Description = ""
    enabled: bool = True


class WebhookPatch(Schema):
    url: Url | None = None
    events: Events | None = None
    description: Description | None = None
    enabled: bool | None = None


class DeliveryOut(Schema):
    id: int
    event_id: str
    event_type: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    response_code: int | None
    last_error: str
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    created_at: datetime
    payload: dict[str, Any]


class DeliveryPage(Page):
    data: list[DeliveryOut]


def _out(endpoint: WebhookEndpoint) -> dict[str, object]:
    return {
        "id": endpoint.pk,
        "url": endpoint.url,
        "description": endpoint.description,
        "events": endpoint.events,
        "enabled": endpoint.enabled,
        "secret_prefix": endpoint.secret_prefix,
        "created_at": endpoint.created_at,
    }


def _delivery_out(delivery: WebhookDelivery) -> dict[str, object]:
    return {
        "id": delivery.pk,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "response_code": delivery.response_code,
        "last_error": delivery.last_error,
        "last_attempt_at": delivery.last_attempt_at,
        "next_attempt_at": delivery.next_attempt_at,
        "created_at": delivery.created_at,
        "payload": delivery.payload,
    }


def _endpoint(account: Account, webhook_id: int) -> WebhookEndpoint:
    # SECURITY: another account's endpoint is a 404.
    return get_object_or_404(WebhookEndpoint.objects.for_account(account), pk=webhook_id)


@router.get("/webhooks", response={200: WebhookPage, **errors()}, summary="List webhook endpoints")
def list_webhooks(
    request: HttpRequest, limit: pagination.Limit = 20, after: pagination.After = None
) -> dict[str, object]:
    account, _actor = acting(request, Action.MANAGE_WEBHOOKS)
    page, has_more, cursor = pagination.by_id(
        WebhookEndpoint.objects.for_account(account), limit=limit, after=after
    )
    return pagination.envelope([_out(e) for e in page], has_more, cursor)


@router.post(
    "/webhooks", response={201: WebhookCreated, **errors()}, summary="Create a webhook endpoint"
)
def create_webhook(request: HttpRequest, payload: WebhookIn) -> Status[dict[str, object]]:
    """The answer holds the signing secret, the only time it is shown."""
    account, actor = acting(request, Action.MANAGE_WEBHOOKS)
    made = services.webhook_endpoint_create(account=account, actor=actor, **payload.dict())
    return Status(201, {**_out(made.endpoint), "secret": made.secret})


@router.patch(
    "/webhooks/{webhook_id}",
    response={200: WebhookOut, **errors()},
    summary="Change a webhook endpoint",
)
def update_webhook(
    request: HttpRequest, webhook_id: Path[Id], payload: WebhookPatch
) -> dict[str, object]:
    """Fields left out keep their value."""
    account, actor = acting(request, Action.MANAGE_WEBHOOKS)
    endpoint = _endpoint(account, webhook_id)
    values: dict[str, Any] = {
        "url": endpoint.url,
        "events": endpoint.events,
        "description": endpoint.description,
        "enabled": endpoint.enabled,
    }
    values.update(
        {
            name: value
            for name, value in payload.dict(exclude_unset=True).items()
            if value is not None
        }
    )
    endpoint = services.webhook_endpoint_update(
        account=account, actor=actor, endpoint=endpoint, **values
    )
    return _out(endpoint)


@router.delete(
    "/webhooks/{webhook_id}", response={204: None, **errors()}, summary="Delete a webhook endpoint"
)
def delete_webhook(request: HttpRequest, webhook_id: Path[Id]) -> Status[None]:
    account, actor = acting(request, Action.MANAGE_WEBHOOKS)
    services.webhook_endpoint_delete(
        account=account, actor=actor, endpoint=_endpoint(account, webhook_id)
    )
    return Status(204, None)


@router.post(
    "/webhooks/{webhook_id}/roll-secret",
    response={200: WebhookCreated, **errors()},
    summary="Replace a webhook endpoint's signing secret",
)
def roll_webhook_secret(request: HttpRequest, webhook_id: Path[Id]) -> dict[str, object]:
    """The old secret stops signing at once; the answer holds the new one, shown this once."""
    account, actor = acting(request, Action.MANAGE_WEBHOOKS)
    made = services.webhook_secret_roll(
        account=account, actor=actor, endpoint=_endpoint(account, webhook_id)
    )
    return {**_out(made.endpoint), "secret": made.secret}


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response={200: DeliveryPage, **errors()},
    summary="List a webhook endpoint's deliveries, newest first",
)
def list_webhook_deliveries(
    request: HttpRequest,
    webhook_id: Path[Id],
    limit: pagination.Limit = 20,
    after: pagination.After = None,
) -> dict[str, object]:
    account, _actor = acting(request, Action.MANAGE_WEBHOOKS)
    endpoint = _endpoint(account, webhook_id)
    page, has_more, cursor = pagination.newest_first(
        deliveries_of(account, endpoint), limit=limit, after=after
    )
    return pagination.envelope([_delivery_out(d) for d in page], has_more, cursor)


@router.post(
    "/webhooks/{webhook_id}/test",
    response={201: DeliveryOut, **errors()},
    summary="Send a test event to a webhook endpoint",
)
def send_webhook_test(request: HttpRequest, webhook_id: Path[Id]) -> Status[dict[str, object]]:
    account, actor = acting(request, Action.MANAGE_WEBHOOKS)
    delivery = services.webhook_test_send(
        account=account, actor=actor, endpoint=_endpoint(account, webhook_id)
    )
    return Status(201, _delivery_out(delivery))


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    response={201: DeliveryOut, **errors()},
    summary="Send a finished delivery's event again",
)
def redeliver_webhook(
    request: HttpRequest, webhook_id: Path[Id], delivery_id: Path[Id]
) -> Status[dict[str, object]]:
    """A new delivery of the same event (same id); refused (400) while the first is pending."""
    account, actor = acting(request, Action.MANAGE_WEBHOOKS)
    endpoint = _endpoint(account, webhook_id)
    # SECURITY: a delivery of another endpoint or account is a 404.
    delivery = get_object_or_404(deliveries_of(account, endpoint), pk=delivery_id)
    again = services.webhook_redeliver(account=account, actor=actor, delivery=delivery)
    return Status(201, _delivery_out(again))
