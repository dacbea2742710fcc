"""Reads of the Webhooks page and the admin API."""

from django.db.models import OuterRef, QuerySet, Subquery

from accounts.models import Account
from webhooks.models import WebhookDelivery, WebhookEndpoint


def endpoints_with_last_delivery(account: Account) -> QuerySet[WebhookEndpoint]:
    """The account's endpoints, each with `last_status` and `last_delivery_at` (or None)."""
    latest = WebhookDelivery.objects.filter(endpoint=OuterRef("pk")).order_by("-created_at", "-pk")
    return WebhookEndpoint.objects.for_account(account).annotate(
        last_status=Subquery(latest.values("status")[:1]),
        last_delivery_at=Subquery(latest.values("created_at")[:1]),
    )


def deliveries_of(account: Account, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The endpoint's delivery log, newest first."""
    # SECURITY: scoped by the account as well as by the endpoint.
    return WebhookDelivery.objects.for_account(account).filter(endpoint=endpoint)
