from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.errors import SERVICE_ERRORS, show_error
from accounts.permissions import Action, requires
from accounts.plans import LimitReached, Resource, limit_for, limit_message, usage_of
from accounts.sections import page_sections, table_columns
from apikeys import selectors, services
from apikeys.expiry import lifetime_label
from apikeys.forms import (
    AdminKeyCreateForm,
    ApiKeyCreateForm,
    ApiKeyEditForm,
    ApiKeyFilterForm,
    ApiKeyRollForm,
    KeyLifetimePolicyForm,
)
from apikeys.models import AdminKey, ApiKey


def _get_key(request, pk) -> ApiKey:
    # SECURITY: another account's key, or a deleted one, is a 404.
    return get_object_or_404(
        ApiKey.objects.for_account(request.account).select_related("project", "rolled_from"),
        pk=pk,
    )


def _list_response(request, form=None):
    account = request.account
    filter_form = ApiKeyFilterForm(request.GET or None, account=account, auto_id="id_filter_%s")
    project = filter_form.cleaned_data["project"] if filter_form.is_valid() else None
    all_keys = ApiKey.objects.for_account(account).select_related("project", "created_by")
    keys = selectors.in_roll_order(list(all_keys))
    now = timezone.now()
    max_days = account.max_key_lifetime_days
    for key in keys:
        key.expired = key.is_expired(now)
        key.outside_policy = key.out_of_policy(max_days)
    used = usage_of(account, Resource.API_KEYS)
    limit = limit_for(account, Resource.API_KEYS)
    form = form or ApiKeyCreateForm(account=account, initial={"project": project})
    # The limit counts the whole account, so the filter narrows only the table.
    shown = [key for key in keys if project is None or key.project_id == project.pk]
    context = {
        "nav": "apikeys",
        "keys": shown,
        # Columns apps above add (a key's spend limit): one read for all the rows.
        "extra_columns": table_columns("apikeys.list", request, shown),
        "key_count": used,
        "filter_form": filter_form,
        "project": project,
        "form": form,
        "roll_form": ApiKeyRollForm(),
        "has_projects": bool(form.fields["project"].queryset),
        "at_limit": used >= limit,
        "limit_message": limit_message(account, Resource.API_KEYS, limit),
        "max_lifetime": lifetime_label(max_days) if max_days is not None else None,
    }
    if request.htmx and request.method == "GET":
        return render(request, "apikeys/list.html#table", context)
    return render(request, "apikeys/list.html", context)


@requires(Action.VIEW)
def list_view(request):
    return _list_response(request)


def _show_secret(request, issued, *, rolled_from=None):
    # The secret goes into this response only: never the session, a cookie or a redirect.
    return render(
        request,
        "apikeys/created.html",
        {
            "nav": "apikeys",
            "api_key": issued.api_key,
            "secret": issued.secret,
            "rolled_from": rolled_from,
        },
    )


@never_cache
@requires(Action.MANAGE_API_KEYS)
@require_POST
def create(request):
    """Issue a key and show its secret on this response, once (K2, K5, K7)."""
    form = ApiKeyCreateForm(request.POST, account=request.account)
    if form.is_valid():
        data = form.cleaned_data
        try:
            issued = services.apikey_create(
                account=request.account,
                actor=request.user,
                project=data["project"],
                name=data["name"],
                create_token=data["token"],
                expires_at=data.get("expires_at"),
                scope=data["scope"],
                allowed_ips=data["allowed_ips"],
            )
        except services.AlreadyCreated as error:
            messages.warning(request, str(error))
            return redirect("apikeys:list")
        except LimitReached:
            pass  # The page's limit notice says it, once.
        except SERVICE_ERRORS as error:
            show_error(request, error, form=form)
        else:
            return _show_secret(request, issued)
    return _list_response(request, form)


def _detail_response(request, api_key, form=None, status=200):
    now = timezone.now()
    max_days = request.account.max_key_lifetime_days
    successor = ApiKey.objects.for_account(request.account).filter(rolled_from=api_key).first()
    context = {
        "nav": "apikeys",
        "api_key": api_key,
        "successor": successor,
        "expired": api_key.is_expired(now),
        "outside_policy": api_key.out_of_policy(max_days),
        "max_lifetime": lifetime_label(max_days) if max_days is not None else None,
        "form": form
        or ApiKeyEditForm(initial={"scope": api_key.scope, "allowed_ips": api_key.allowed_ips}),
        "roll_form": ApiKeyRollForm(),
        "history": selectors.key_history(account=request.account, api_key=api_key),
        # Cards apps above add (the key's spend limit).
        "sections": page_sections("apikeys.detail", request, api_key),
    }
    return render(request, "apikeys/detail.html", context, status=status)


@requires(Action.VIEW)
def detail(request, pk):
    """A key's settings and its history from the audit log."""
    return _detail_response(request, _get_key(request, pk))


@requires(Action.MANAGE_API_KEYS)
@require_POST
def update(request, pk):
    """Change the key's scope and IP allowlist (K7)."""
    api_key = _get_key(request, pk)
    form = ApiKeyEditForm(request.POST)
    if form.is_valid():
        try:
            services.apikey_update(
                account=request.account,
                actor=request.user,
                api_key=api_key,
                scope=form.cleaned_data["scope"],
                allowed_ips=form.cleaned_data["allowed_ips"],
            )
        except SERVICE_ERRORS as error:
            show_error(request, error, form=form)
        else:
            messages.success(request, f"Saved the key {api_key.name}.")
            return redirect("apikeys:detail", pk=api_key.pk)
    return _detail_response(request, api_key, form=form, status=400)


@never_cache
@requires(Action.MANAGE_API_KEYS)
def roll(request, pk):
    """POST issues the key's successor and shows it once (K6); GET is the confirm page."""
    api_key = _get_key(request, pk)
    form = ApiKeyRollForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.apikey_roll(
                account=request.account,
                actor=request.user,
                api_key=api_key,
                overlap=form.overlap_delta,
            )
        except SERVICE_ERRORS as error:
            show_error(request, error)
            return redirect("apikeys:list")
        return _show_secret(request, issued, rolled_from=issued.api_key.rolled_from)
    return render(
        request, "apikeys/roll.html", {"nav": "apikeys", "api_key": api_key, "roll_form": form}
    )


@requires(Action.MANAGE_SETTINGS)
def policy(request):
    """The account's maximum key lifetime (K5); also a form on the Account settings page."""
    account = request.account
    form = KeyLifetimePolicyForm(
        request.POST or None, initial={"max_days": account.max_key_lifetime_days}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.account_key_lifetime_update(
                account=account, actor=request.user, max_days=form.cleaned_data["max_days"]
            )
        except SERVICE_ERRORS as error:
            show_error(request, error, form=form)
        else:
            messages.success(request, "Saved the maximum API key lifetime.")
            return redirect("accounts:settings")
    return render(request, "apikeys/policy.html", {"nav": "account", "policy_form": form})


@requires(Action.MANAGE_API_KEYS)
def delete(request, pk):
    """POST deletes; GET is the confirm page for browsers without JavaScript."""
    api_key = _get_key(request, pk)
    if request.method == "POST":
        try:
            services.apikey_delete(account=request.account, actor=request.user, api_key=api_key)
        except SERVICE_ERRORS as error:
            show_error(request, error)
        else:
            messages.success(request, f"Deleted the key {api_key.name}.")
        return redirect("apikeys:list")
    return render(request, "apikeys/delete.html", {"nav": "apikeys", "api_key": api_key})


# Admin keys, on the Account page (X1) ---------------------------------------------


def admin_keys_section(request) -> str:
    """The Account page's "Admin API" section: the admin keys and the form for a new one."""
    return render_to_string(
        "apikeys/admin_keys_section.html",
        {
            "admin_keys": AdminKey.objects.for_account(request.account).select_related(
                "created_by"
            ),
            "admin_key_form": AdminKeyCreateForm(),
            "now": timezone.now(),
        },
        request=request,
    )


@never_cache
@requires(Action.MANAGE_API_KEYS)
@require_POST
def admin_key_create(request):
    """Issue an admin key and show its secret on this response, once."""
    form = AdminKeyCreateForm(request.POST)
    if form.is_valid():
        try:
            issued = services.admin_key_create(
                account=request.account,
                actor=request.user,
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
                expires_at=form.expires_at(),
            )
        except SERVICE_ERRORS as error:
            show_error(request, error)
        else:
            return render(
                request,
                "apikeys/admin_key_created.html",
                {"nav": "account", "admin_key": issued.admin_key, "secret": issued.secret},
            )
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("accounts:detail")


@requires(Action.MANAGE_API_KEYS)
def admin_key_delete(request, pk):
    """POST deletes; GET is the confirm page."""
    # SECURITY: another account's admin key, or a deleted one, is a 404.
    admin_key = get_object_or_404(AdminKey.objects.for_account(request.account), pk=pk)
    if request.method == "POST":
        try:
            services.admin_key_delete(
                account=request.account, actor=request.user, admin_key=admin_key
            )
        except SERVICE_ERRORS as error:
            show_error(request, error)
        else:
            messages.success(request, f"Deleted the admin key {admin_key.name}.")
        return redirect("accounts:detail")
    return render(
        request, "apikeys/admin_key_delete.html", {"nav": "account", "admin_key": admin_key}
    )
