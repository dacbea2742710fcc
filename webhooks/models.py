"""Account webhook endpoints and the deliveries of events to them (C2)."""

from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.sealing import SealError, seal_text, unseal_text
from accounts.tenancy import TenantQuerySet
from webhooks.values import MAX_DESCRIPTION_LENGTH, URL_PURPOSE, Event, host_of


class WebhookEndpoint(models.Model):
    """Where the account's chosen events are POSTed, signed with the endpoint's secret."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    # SECURITY: a chat tool's incoming-webhook URL carries its token, so the URL is
    # kept sealed (accounts.sealing, purpose URL_PURPOSE), read through `url`; its
    # host stays in clear to name the endpoint in lists, the admin and the audit log.
    url_sealed = models.TextField()
    host = models.CharField(max_length=255)
    description = models.CharField(max_length=MAX_DESCRIPTION_LENGTH, blank=True)
    # Event values (webhooks.values.Event), in the order of that list.
    events = models.JSONField(default=list)
    # SECURITY: the signing secret is shown once; only its sealed form is kept
    # (accounts.sealing, purpose SECRET_PURPOSE), and its first characters to recognise it.
    secret_sealed = models.TextField()
    secret_prefix = models.CharField(max_length=16)
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_email = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.host

    @property
    def url(self) -> str:
        """The URL events go to ("" when this server's keys cannot open it: nothing is sent)."""
        try:
            return unseal_text(self.url_sealed, purpose=URL_PURPOSE)
        except SealError:
            return ""

    @url.setter
    def url(self, value: str) -> None:
        self.url_sealed = seal_text(value, purpose=URL_PURPOSE)
        self.host = host_of(value)

    def subscribes_to(self, event: str) -> bool:
        return event in self.events

    @property
    def event_labels(self) -> list[str]:
        return [Event(event).label for event in self.events if event in Event.values]


class DeliveryQuerySet(TenantQuerySet["WebhookDelivery"]):
    def due(self, now) -> Self:
        return self.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)


class WebhookDelivery(models.Model):
    """One event sent to one endpoint: its attempts so far and how the last one went."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    # "evt_…": the same for every endpoint the event went to, and for a redelivery,
    # so that receivers can tell a repeat from a new event.
    event_id = models.CharField(max_length=40)
    event_type = models.CharField(max_length=32, choices=Event.choices)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # While pending: when the next attempt is due (an attempt under way pushes it
    # ahead by its lease); null once it succeeded or failed.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log"),
            # The sweep's query: pending deliveries by when they are due.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhook_delivery_due",
            ),
        ]

    def __str__(self):
        return f"{self.event_type} {self.event_id}"
