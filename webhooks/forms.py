"""The Webhooks page's form: URL, events, description and whether it is on."""

from django import forms

from webhooks.models import WebhookEndpoint
from webhooks.services import SUBSCRIBABLE
from webhooks.values import MAX_DESCRIPTION_LENGTH, MAX_URL_LENGTH


class EndpointForm(forms.Form):
    # A CharField, not a URLField: the service judges the URL (scheme, length,
    # where it resolves) and says precisely what is wrong with it.
    url = forms.CharField(
        label="Endpoint URL",
        max_length=MAX_URL_LENGTH,
        help_text="Where events are POSTed, e.g. https://example.com/hooks/console or a chat "
        "tool's incoming-webhook URL. It must be https and reachable from the internet.",
        widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "off"}),
    )
    events = forms.MultipleChoiceField(
        label="Events to send",
        choices=[(event.value, f"{event.value}: {event.label}") for event in SUBSCRIBABLE],
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one event to send.",
            "invalid_choice": "Choose among the events listed.",
        },
    )
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=MAX_DESCRIPTION_LENGTH,
        help_text="Optional: what receives these events.",
    )
    enabled = forms.BooleanField(
        label="Send events to this endpoint",
        required=False,
        initial=True,
        help_text="Turned off, new events skip it; test events can still be sent.",
    )

    @staticmethod
    def initial_for(endpoint: WebhookEndpoint) -> dict:
        return {
            "url": endpoint.url,
            "events": endpoint.events,
            "description": endpoint.description,
            "enabled": endpoint.enabled,
        }

    def service_kwargs(self) -> dict:
        return {
            name: self.cleaned_data[name] for name in ("url", "events", "description", "enabled")
        }
