"""Spend limits (C1): every role sees them and what is left this month; Owners and
Admins set and clear them (here, the account's on the Billing page, a key's on
its page; the API keys and Projects tables show each row's limit)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.errors import SERVICE_ERRORS, error_text
from accounts.permissions import Action, can, requires
from reporting.amounts import dollars, grouped
from reporting.limits import services
from reporting.limits.forms import ACCOUNT, SpendLimitForm, TargetForm, target_limit_form
from reporting.limits.selectors import (
    figures_by_target,
    limits_with_spend,
    live_limit,
    target_figures,
)
from reporting.limits.values import MAX_LIMIT, MIN_LIMIT


@requires(Action.VIEW)
def limit_list(request):
    return render(
        request,
        "reporting/limits/list.html",
        {
            "nav": "reporting",
            "figures": limits_with_spend(account=request.account),
            # The Projects table's "Set a limit" names its project (an unknown one: none chosen).
            "form": SpendLimitForm(
                account=request.account,
                initial={"back": "limits", "target": request.GET.get("target", ACCOUNT)},
            ),
            "min_limit": dollars(MIN_LIMIT),
            "max_limit": grouped(dollars(MAX_LIMIT)),
        },
    )


def _back(form) -> str:
    data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
    back, target = data.get("back"), data.get("target", "")
    if back == "billing":
        return reverse("reporting:billing")
    # The target is one of the account's live keys (a choice of the form), so is its page.
    if back == "key" and target.startswith("key:"):
        return reverse("apikeys:detail", args=[int(target.removeprefix("key:"))]) + "#spend-limit"
    return reverse("reporting:limits")


def _form_errors(form) -> str:
    return " ".join(str(message) for errors in form.errors.values() for message in errors)


@requires(Action.MANAGE_SPEND_LIMITS)
@require_POST
def limit_set(request):
    form = SpendLimitForm(request.POST, account=request.account)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(_back(form))
    try:
        limit = services.spend_limit_set(
            account=request.account,
            actor=request.user,
            amount_micros=form.amount_micros(),
            **form.target_kwargs(),
        )
    except SERVICE_ERRORS as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            f"The monthly spend limit for {limit.target_label} is "
            f"${grouped(dollars(limit.amount_micros))}.",
        )
    return redirect(_back(form))


@requires(Action.MANAGE_SPEND_LIMITS)
def limit_clear(request):
    """POST clears; GET is the confirm page (the dialog's, without JavaScript)."""
    form = TargetForm(
        request.POST if request.method == "POST" else request.GET, account=request.account
    )
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(_back(form))
    if request.method != "POST":
        limit = live_limit(account=request.account, **form.target_kwargs())
        if limit is None:
            messages.error(request, "There is no spend limit to clear there.")
            return redirect(_back(form))
        return render(
            request,
            "reporting/limits/clear.html",
            {
                "nav": "reporting",
                "limit": limit,
                "back": form.cleaned_data.get("back") or "limits",
                "cancel_url": _back(form),
            },
        )
    try:
        services.spend_limit_clear(
            account=request.account, actor=request.user, **form.target_kwargs()
        )
    except SERVICE_ERRORS as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, "Cleared the spend limit.")
    return redirect(_back(form))


# What the pages of the apps below show (registered in reporting/models.py).


def key_limit_cells(request, keys) -> dict[int, str]:
    """The API keys table's "Spend limit" cells: every row's from one read of the limits."""
    figures = figures_by_target(account=request.account)
    return {
        key.pk: render_to_string(
            "reporting/limits/_key_cell.html",
            {"api_key": key, "row": figures.get(f"key:{key.pk}")},
            request=request,
        )
        for key in keys
    }


def project_limit_cells(request, projects) -> dict[int, str]:
    """The Projects table's "Spend limit" cells: every row's from one read of the limits."""
    figures = figures_by_target(account=request.account)
    return {
        project.pk: render_to_string(
            "reporting/limits/_project_cell.html",
            {"project": project, "row": figures.get(f"project:{project.pk}")},
            request=request,
        )
        for project in projects
    }


def key_limit_section(request, api_key) -> str:
    """The key page's "Spend limit" card: spent this month, the limit, and its form."""
    row, spend = target_figures(account=request.account, api_key=api_key)
    return render_to_string(
        "reporting/limits/_key_section.html",
        {
            "api_key": api_key,
            "row": row,
            "spend": spend,
            "form": target_limit_form(
                request.account,
                target=f"key:{api_key.pk}",
                back="key",
                amount_micros=row.limit.amount_micros if row else None,
            )
            if can(request.membership, Action.MANAGE_SPEND_LIMITS)
            else None,
            "min_limit": dollars(MIN_LIMIT),
            "max_limit": grouped(dollars(MAX_LIMIT)),
        },
        request=request,
    )
