"""Spend limits (C1): every role sees them and what is left this month; Owners and
Admins set and clear them (here, and the account's on the Billing page)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.errors import SERVICE_ERRORS, error_text
from accounts.permissions import Action, requires
from reporting.amounts import dollars, grouped
from reporting.limits import services
from reporting.limits.forms import SpendLimitForm, TargetForm
from reporting.limits.selectors import limits_with_spend
from reporting.limits.values import MAX_LIMIT, MIN_LIMIT


@requires(Action.VIEW)
def limit_list(request):
    return render(
        request,
        "reporting/limits/list.html",
        {
            "nav": "reporting",
            "figures": limits_with_spend(account=request.account),
            "form": SpendLimitForm(account=request.account, initial={"back": "limits"}),
            "min_limit": dollars(MIN_LIMIT),
            "max_limit": grouped(dollars(MAX_LIMIT)),
        },
    )


def _back(form) -> str:
    back = form.cleaned_data.get("back") if hasattr(form, "cleaned_data") else None
    return "reporting:billing" if back == "billing" else "reporting:limits"


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
@require_POST
def limit_clear(request):
    form = TargetForm(request.POST, account=request.account)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(_back(form))
    try:
        services.spend_limit_clear(
            account=request.account, actor=request.user, **form.target_kwargs()
        )
    except SERVICE_ERRORS as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, "Cleared the spend limit.")
    return redirect(_back(form))
