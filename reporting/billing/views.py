"""The Billing page, autopay settings and invoices (U6): Owners and Admins only."""

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.errors import SERVICE_ERRORS, show_error
from accounts.permissions import Action, requires
from reporting.amounts import MICROS_PER_DOLLAR
from reporting.billing import selectors as sel
from reporting.billing import services
from reporting.billing.forms import AutopayForm
from reporting.billing.models import Invoice
from reporting.billing.values import month_bounds
from reporting.limits.forms import account_limit_form
from reporting.limits.selectors import account_limit_figures


def _autopay_initial(settings_row) -> dict:
    return {
        "autopay_enabled": settings_row.autopay_enabled,
        "threshold": Decimal(settings_row.autopay_threshold_micros) / MICROS_PER_DOLLAR,
        "amount": Decimal(settings_row.autopay_amount_micros) / MICROS_PER_DOLLAR
        if settings_row.autopay_amount_micros
        else None,
    }


def _billing_page(request, form=None, status=200):
    account = request.account
    settings_row = sel.billing_settings_of(account)
    balance = sel.ledger_balance(account)
    unbilled = sel.unbilled_micros(account)
    context = {
        "nav": "billing",
        "plan": account.plan_info,
        "billing_email": account.billing_email,
        "spend": sel.month_to_date(account=account),
        "balance": balance,
        "unbilled": unbilled,
        "available": balance - unbilled,
        "settings_row": settings_row,
        "form": form or AutopayForm(initial=_autopay_initial(settings_row)),
        "entries": sel.ledger_entries(account),
        "invoices": sel.invoices(account)[:3],
        "account_limit": account_limit_figures(account),
        "limit_form": account_limit_form(account),
    }
    return render(request, "reporting/billing/billing.html", context, status=status)


@requires(Action.MANAGE_BILLING)
def billing_page(request):
    """Plan, billing email, month-to-date spend, prepaid balance, autopay and recent invoices."""
    return _billing_page(request)


@requires(Action.MANAGE_BILLING)
@require_POST
def autopay(request):
    form = AutopayForm(request.POST)
    if form.is_valid():
        try:
            services.billing_settings_update(
                account=request.account, actor=request.user, **form.service_kwargs()
            )
        except SERVICE_ERRORS as error:
            show_error(request, error, form=form)
        else:
            messages.success(request, "Saved the autopay settings.")
            return redirect("reporting:billing")
    return _billing_page(request, form)


@requires(Action.MANAGE_BILLING)
def invoice_list(request):
    return render(
        request,
        "reporting/billing/invoices.html",
        {"nav": "billing", "invoices": sel.invoices(request.account)},
    )


def _get_invoice(request, pk) -> Invoice:
    # SECURITY: another account's invoice is a 404, like one that does not exist.
    return get_object_or_404(Invoice.objects.for_account(request.account), pk=pk)


def _invoice_context(request, pk) -> dict:
    invoice = _get_invoice(request, pk)
    end = month_bounds(invoice.month)[1]
    return {
        "nav": "billing",
        "invoice": invoice,
        "lines": list(invoice.lines.all()),
        "period_end": end,
        "account": request.account,
        "charge": getattr(invoice, "charge", None),
    }


@requires(Action.MANAGE_BILLING)
def invoice_detail(request, pk):
    return render(request, "reporting/billing/invoice.html", _invoice_context(request, pk))


@requires(Action.MANAGE_BILLING)
def invoice_print(request, pk):
    """The invoice alone on a page, for printing or saving as PDF from the browser."""
    return render(request, "reporting/billing/invoice_print.html", _invoice_context(request, pk))
