import json
from datetime import UTC
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts import services
from accounts.errors import SERVICE_ERRORS, show_error
from accounts.exports import csv_response
from accounts.forms import (
    AccountNameForm,
    AuditFilterForm,
    DeleteAccountForm,
    SwitchAccountForm,
    TransferRequestForm,
)
from accounts.mfa.views import require_mfa_context
from accounts.middleware import select_account
from accounts.models import AuditAction, AuditEvent, Membership, OwnershipTransferRequest
from accounts.permissions import Action, requires
from accounts.sections import account_sections


@login_required
def choose(request):
    memberships = Membership.objects.filter(user=request.user).select_related("account")
    if not memberships:
        return redirect("accounts:none")
    return render(request, "accounts/choose.html", {"memberships": memberships})


@login_required
@require_POST
def switch(request):
    form = SwitchAccountForm(request.POST, user=request.user)
    if not form.is_valid():
        # Same answer for a foreign account and one that does not exist.
        raise Http404("No such account.")
    membership = form.cleaned_data["account"]
    select_account(request, membership.account_id)
    messages.success(request, f"Switched to {membership.account.name}.")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) or urlsplit(next_url).path in {reverse("accounts:choose"), reverse("accounts:none")}:
        # The chooser has done its job once an account is chosen: on to its dashboard.
        next_url = "home"
    response = redirect(next_url)
    if request.htmx:
        return HttpResponseClientRedirect(response.url)
    return response


@login_required
def no_account(request):
    if Membership.objects.filter(user=request.user).exists():
        return redirect("home")
    return render(request, "accounts/none.html", {"form": AccountNameForm()})


@login_required
def create(request):
    """Open a new account of one's own (for people who have none left, or want another)."""
    form = AccountNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account = services.account_create(owner=request.user, name=form.cleaned_data["name"])
        select_account(request, account.pk)
        messages.success(request, f"Created {account.name}. You are its Owner.")
        return redirect("home")
    return render(request, "accounts/create.html", {"form": form})


@requires(Action.VIEW)
def detail(request):
    account = request.account
    return render(
        request,
        "accounts/detail.html",
        {
            "nav": "account",
            "account": account,
            "owner": account.owner,
            "limits": account.limits_in_use(),
            "sole_member": account.seats_used() == 1,
            "pending_transfer": OwnershipTransferRequest.objects.for_account(account)
            .pending()
            .select_related("new_owner")
            .first(),
            "transfer_form": TransferRequestForm(account=account),
            "sections": account_sections(request),
        },
    )


@requires(Action.MANAGE_SETTINGS)
def settings_view(request):
    form = AccountNameForm(request.POST or None, initial={"name": request.account.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.account_rename(
                account=request.account, actor=request.user, name=form.cleaned_data["name"]
            )
        except SERVICE_ERRORS as error:
            show_error(request, error, form=form)
        else:
            messages.success(request, "Account settings saved.")
            return redirect("accounts:detail")
    return render(
        request,
        "accounts/settings.html",
        {"nav": "account", "form": form, "mfa": require_mfa_context(request)},
    )


@requires(Action.VIEW_AUDIT)
def audit(request):
    events, action = _audit_events(request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    present = set(
        AuditEvent.objects.for_account(request.account).values_list("action", flat=True).distinct()
    )
    actions = [(code, label) for code, label in AuditAction.choices if code in present]
    return render(
        request,
        "accounts/audit.html",
        {"nav": "audit", "page": page, "actions": actions, "current_action": action},
    )


def _audit_events(request):
    """The account's audit events, newest first, with the page's action filter applied."""
    events = AuditEvent.objects.for_account(request.account).select_related("actor")
    form = AuditFilterForm(request.GET or None)
    action = form.cleaned_data["action"] if form.is_valid() else ""
    if action:
        events = events.filter(action=action)
    return events, action


@requires(Action.VIEW_AUDIT)
def audit_csv(request):
    """The audit log (as filtered on the page), every entry, as CSV."""
    events, _action = _audit_events(request)
    rows = (
        [
            event.created_at.astimezone(UTC).isoformat(),
            event.actor_email,
            "yes" if event.by_support else "",
            event.get_action_display(),
            event.target_type,
            event.target_id,
            event.target_label,
            json.dumps(event.metadata, sort_keys=True) if event.metadata else "",
            event.action,
        ]
        for event in events.iterator()
    )
    header = [
        "time (UTC)",
        "who",
        "by support",
        "action",
        "target type",
        "target id",
        "target",
        "details",
        "action code",
    ]
    return csv_response("audit-log.csv", header, rows)


@requires(Action.DELETE_ACCOUNT)
def delete(request):
    account = request.account
    sole_member = account.seats_used() == 1
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_delete(
                account=account, actor=request.user, confirm_name=form.cleaned_data["confirm_name"]
            )
        except SERVICE_ERRORS as error:
            show_error(request, error, form=form)
        else:
            messages.success(request, f"{account.name} and all its data were deleted.")
            return redirect("home")
    return render(
        request,
        "accounts/delete.html",
        {"nav": "account", "form": form, "sole_member": sole_member},
    )


@requires(Action.REQUEST_TRANSFER)
@require_POST
def transfer_request(request):
    form = TransferRequestForm(request.POST, account=request.account)
    if not form.is_valid():
        for error in form.errors.get("new_owner", []):
            messages.error(request, error)
        return redirect("accounts:detail")
    try:
        services.transfer_request_create(
            account=request.account,
            actor=request.user,
            new_owner=form.cleaned_data["new_owner"].user,
        )
    except SERVICE_ERRORS as error:
        show_error(request, error)
    else:
        messages.success(request, "Transfer requested. Support will review it and email you both.")
    return redirect("accounts:detail")


@requires(Action.REQUEST_TRANSFER)
@require_POST
def transfer_cancel(request, pk):
    transfer = get_object_or_404(
        OwnershipTransferRequest.objects.for_account(request.account).pending(), pk=pk
    )
    try:
        services.transfer_request_cancel(
            account=request.account, actor=request.user, transfer=transfer
        )
    except SERVICE_ERRORS as error:
        show_error(request, error)
    else:
        messages.success(request, "Transfer request cancelled.")
    return redirect("accounts:detail")


@login_required
def sign_in_email(request):
    """A4: support changes sign-in emails, so allauth's email page leads to the Security page."""
    messages.info(
        request,
        "Your sign-in email is changed by support, on request: "
        "it is also the billing email of the accounts you own.",
    )
    return redirect(reverse("accounts:mfa:security") + "#sign-in")
