"""Spend alerts (U5): every role sees them, Owners and Admins create, edit and delete."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from accounts.errors import SERVICE_ERRORS, show_error
from accounts.permissions import Action, requires
from reporting.alerts import services
from reporting.alerts.forms import SpendAlertForm
from reporting.alerts.models import SpendAlert
from reporting.alerts.selectors import alerts_with_last_fired
from reporting.alerts.values import MAX_ALERTS_PER_ACCOUNT


def _get_alert(request, pk) -> SpendAlert:
    # SECURITY: another account's alert is a 404, like one that does not exist.
    return get_object_or_404(SpendAlert.objects.for_account(request.account), pk=pk)


@requires(Action.VIEW)
def alert_list(request):
    return render(
        request,
        "reporting/alerts/list.html",
        {
            "nav": "reporting",
            "alerts": alerts_with_last_fired(request.account),
            "max_alerts": MAX_ALERTS_PER_ACCOUNT,
        },
    )


def _form_page(request, form, alert=None):
    return render(
        request,
        "reporting/alerts/form.html",
        {"nav": "reporting", "form": form, "alert": alert},
    )


@requires(Action.MANAGE_ALERTS)
def alert_create(request):
    form = SpendAlertForm(request.POST or None, account=request.account)
    if request.method == "POST" and form.is_valid():
        try:
            services.spend_alert_create(
                account=request.account, actor=request.user, **form.service_kwargs()
            )
        except SERVICE_ERRORS as error:
            show_error(request, error, form=form)
        else:
            messages.success(request, "Created the spend alert.")
            return redirect("reporting:alerts")
    return _form_page(request, form)


@requires(Action.MANAGE_ALERTS)
def alert_edit(request, pk):
    alert = _get_alert(request, pk)
    form = SpendAlertForm(
        request.POST or None, account=request.account, initial=SpendAlertForm.initial_for(alert)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.spend_alert_update(
                account=request.account, actor=request.user, alert=alert, **form.service_kwargs()
            )
        except SERVICE_ERRORS as error:
            show_error(request, error, form=form)
        else:
            messages.success(request, "Saved the spend alert.")
            return redirect("reporting:alerts")
    return _form_page(request, form, alert)


@requires(Action.MANAGE_ALERTS)
def alert_delete(request, pk):
    """POST deletes; GET is the confirm page."""
    alert = _get_alert(request, pk)
    if request.method == "POST":
        try:
            services.spend_alert_delete(account=request.account, actor=request.user, alert=alert)
        except SERVICE_ERRORS as error:
            show_error(request, error)
        else:
            messages.success(request, f"Deleted the spend alert on {alert.scope_label}.")
        return redirect("reporting:alerts")
    return render(request, "reporting/alerts/delete.html", {"nav": "reporting", "alert": alert})
