from django.contrib import admin

from accounts.admin import ReadOnlyAdmin
from webhooks.models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ("id", "account", "host", "events", "enabled", "created_at")
    list_filter = ("enabled",)
    search_fields = ("account__name", "host")
    list_select_related = ("account",)
    # SECURITY: the URL (often a chat tool's token) and the secret stay sealed here too.
    exclude = ("url_sealed", "secret_sealed")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "event_id",
        "account",
        "endpoint",
        "event_type",
        "status",
        "attempts",
        "response_code",
        "created_at",
    )
    list_filter = ("status", "event_type")
    search_fields = ("account__name", "event_id")
    list_select_related = ("account", "endpoint")
