"""Account webhooks (C2): Owners and Admins manage endpoints and see their delivery logs.

Readers get 403 (MANAGE_WEBHOOKS): an endpoint's URL is often a credential itself.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.errors import SERVICE_ERRORS, show_error
from accounts.permissions import Action, can, requires
from webhooks import services
from webhooks.forms import EndpointForm
from webhooks.models import WebhookEndpoint
from webhooks.selectors import deliveries_of, endpoints_with_last_delivery
from webhooks.snippet import VERIFY_SNIPPET
from webhooks.values import MAX_ENDPOINTS_PER_ACCOUNT, SIGNATURE_HEADER, Event

DELIVERIES_PER_PAGE = 25


def _get_endpoint(request, pk) -> WebhookEndpoint:
    # SECURITY: another account's endpoint is a 404, like one that does not exist.
    return get_object_or_404(WebhookEndpoint.objects.for_account(request.account), pk=pk)


def account_section(request) -> str:
    """The Account page's "Webhooks" section: a link to the page, for those who may manage it."""
    if not can(request.membership, Action.MANAGE_WEBHOOKS):
        return ""
    return render_to_string(
        "webhooks/account_section.html",
        {"count": WebhookEndpoint.objects.for_account(request.account).count()},
        request=request,
    )


@requires(Action.MANAGE_WEBHOOKS)
def endpoint_list(request):
    endpoints = list(endpoints_with_last_delivery(request.account))
    return render(
        request,
        "webhooks/list.html",
        {
            "nav": "account",
            "endpoints": endpoints,
            "max_endpoints": MAX_ENDPOINTS_PER_ACCOUNT,
            "at_limit": len(endpoints) >= MAX_ENDPOINTS_PER_ACCOUNT,
            "events": list(Event),
        },
    )


def _secret_page(request, new_secret, *, rolled=False):
    return render(
        request,
        "webhooks/secret.html",
        {
            "nav": "account",
            "endpoint": new_secret.endpoint,
            "secret": new_secret.secret,
            "rolled": rolled,
            "snippet": VERIFY_SNIPPET,
            "header": SIGNATURE_HEADER,
        },
    )


@never_cache
@requires(Action.MANAGE_WEBHOOKS)
def endpoint_create(request):
    """GET: the form; POST: create, and show the signing secret on this response, once."""
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new_secret = services.webhook_endpoint_create(
                account=request.account, actor=request.user, **form.service_kwargs()
            )
        except SERVICE_ERRORS as error:
            show_error(request, error, form=form)
        else:
            return _secret_page(request, new_secret)
    return render(request, "webhooks/form.html", {"nav": "account", "form": form})


@requires(Action.MANAGE_WEBHOOKS)
def endpoint_detail(request, pk):
    endpoint = _get_endpoint(request, pk)
    page = Paginator(deliveries_of(request.account, endpoint), DELIVERIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "webhooks/detail.html",
        {"nav": "account", "endpoint": endpoint, "page": page, "header": SIGNATURE_HEADER},
    )


@requires(Action.MANAGE_WEBHOOKS)
def endpoint_edit(request, pk):
    endpoint = _get_endpoint(request, pk)
    form = EndpointForm(request.POST or None, initial=EndpointForm.initial_for(endpoint))
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_endpoint_update(
                account=request.account,
                actor=request.user,
                endpoint=endpoint,
                **form.service_kwargs(),
            )
        except SERVICE_ERRORS as error:
            show_error(request, error, form=form)
        else:
            messages.success(request, "Saved the webhook endpoint.")
            return redirect("webhooks:detail", pk=endpoint.pk)
    return render(
        request, "webhooks/form.html", {"nav": "account", "form": form, "endpoint": endpoint}
    )


@requires(Action.MANAGE_WEBHOOKS)
def endpoint_delete(request, pk):
    """POST deletes; GET is the confirm page."""
    endpoint = _get_endpoint(request, pk)
    if request.method == "POST":
        try:
            services.webhook_endpoint_delete(
                account=request.account, actor=request.user, endpoint=endpoint
            )
        except SERVICE_ERRORS as error:
            show_error(request, error)
        else:
            messages.success(request, "Deleted the webhook endpoint and its delivery log.")
        return redirect("webhooks:list")
    return render(request, "webhooks/delete.html", {"nav": "account", "endpoint": endpoint})


@never_cache
@requires(Action.MANAGE_WEBHOOKS)
def secret_roll(request, pk):
    """POST replaces the signing secret and shows the new one, once; GET is the confirm page."""
    endpoint = _get_endpoint(request, pk)
    if request.method == "POST":
        try:
            new_secret = services.webhook_secret_roll(
                account=request.account, actor=request.user, endpoint=endpoint
            )
        except SERVICE_ERRORS as error:
            show_error(request, error)
            return redirect("webhooks:list")
        return _secret_page(request, new_secret, rolled=True)
    return render(request, "webhooks/roll.html", {"nav": "account", "endpoint": endpoint})


@requires(Action.MANAGE_WEBHOOKS)
@require_POST
def test_send(request, pk):
    endpoint = _get_endpoint(request, pk)
    try:
        services.webhook_test_send(account=request.account, actor=request.user, endpoint=endpoint)
    except SERVICE_ERRORS as error:
        show_error(request, error)
    else:
        messages.success(request, "Sent a test event: its delivery is at the top of the log.")
    return redirect("webhooks:detail", pk=endpoint.pk)


@requires(Action.MANAGE_WEBHOOKS)
@require_POST
def redeliver(request, pk, delivery_pk):
    endpoint = _get_endpoint(request, pk)
    delivery = get_object_or_404(deliveries_of(request.account, endpoint), pk=delivery_pk)
    try:
        services.webhook_redeliver(account=request.account, actor=request.user, delivery=delivery)
    except SERVICE_ERRORS as error:
        show_error(request, error)
    else:
        messages.success(request, f"Sending {delivery.event_type} {delivery.event_id} again.")
    return redirect("webhooks:detail", pk=endpoint.pk)
