from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.errors import SERVICE_ERRORS, show_error
from accounts.permissions import Action, requires
from accounts.plans import Resource, limit_for, limit_message
from apikeys import services
from apikeys.forms import AdminKeyCreateForm, ApiKeyCreateForm, ApiKeyFilterForm
from apikeys.models import AdminKey, ApiKey


def _get_key(request, pk) -> ApiKey:
    # SECURITY: another account's key, or a deleted one, is a 404.
    return get_object_or_404(
        ApiKey.objects.for_account(request.account).select_related("project"), pk=pk
    )


def _list_response(request, form=None):
    account = request.account
    filter_form = ApiKeyFilterForm(request.GET or None, account=account, auto_id="id_filter_%s")
    project = filter_form.cleaned_data["project"] if filter_form.is_valid() else None
    all_keys = ApiKey.objects.for_account(account).select_related("project", "created_by")
    keys = list(all_keys)
    limit = limit_for(account, Resource.API_KEYS)
    form = form or ApiKeyCreateForm(account=account, initial={"project": project})
    context = {
        "nav": "apikeys",
        # The limit counts the whole account, so the filter narrows only the table.
        "keys": [key for key in keys if project is None or key.project_id == project.pk],
        "key_count": len(keys),
        "filter_form": filter_form,
        "project": project,
        "form": form,
        "has_projects": bool(form.fields["project"].queryset),
        "at_limit": len(keys) >= limit,
        "limit_message": limit_message(account, Resource.API_KEYS, limit),
    }
    if request.htmx and request.method == "GET":
        return render(request, "apikeys/list.html#table", context)
    return render(request, "apikeys/list.html", context)


@requires(Action.VIEW)
def list_view(request):
    return _list_response(request)


@never_cache
@requires(Action.MANAGE_API_KEYS)
@require_POST
def create(request):
    """Issue a key and show its secret on this response, once (K2)."""
    form = ApiKeyCreateForm(request.POST, account=request.account)
    if form.is_valid():
        try:
            issued = services.apikey_create(
                account=request.account,
                actor=request.user,
                project=form.cleaned_data["project"],
                name=form.cleaned_data["name"],
                create_token=form.cleaned_data["token"],
            )
        except services.AlreadyCreated as error:
            messages.warning(request, str(error))
            return redirect("apikeys:list")
        except SERVICE_ERRORS as error:
            show_error(request, error, form=form)
        else:
            # The secret goes into this response only: never the session, a
            # cookie or a redirect.
            return render(
                request,
                "apikeys/created.html",
                {"nav": "apikeys", "api_key": issued.api_key, "secret": issued.secret},
            )
    return _list_response(request, form)


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
