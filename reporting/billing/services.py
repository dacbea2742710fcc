"""Billing writes: autopay settings, autopay top-ups, monthly invoices and the ledger (U6).

There is no payment processor: a top-up is a credit recorded in the ledger,
an invoice's total a charge. The ledger is append-only, in integer
micro-dollars; its balance is an exact sum.
"""

import logging
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.audit import audit_log
from accounts.emails import send_on_commit
from accounts.models import Account, AuditAction
from accounts.permissions import Action
from accounts.services import ensure_can, locked_account
from reporting.amounts import MICROS_PER_CENT, dollars
from reporting.billing.models import BillingSettings, Invoice, InvoiceLine, LedgerEntry
from reporting.billing.selectors import available_micros, spend_by_model
from reporting.billing.values import (
    MAX_AUTOPAY_THRESHOLD,
    MAX_TOP_UP,
    MIN_TOP_UP,
    Spend,
    SpendLine,
    allocate_cents,
    month_bounds,
    month_of,
    previous_month,
)
from reporting.usage.models import AggregationState, UsageRollup

logger = logging.getLogger(__name__)

# A month is closed once usage recorded this long after its end has been
# aggregated: producers that report a little late still land on the invoice.
INVOICE_GRACE = timedelta(hours=1)
# How far back the beat task looks for months still to close.
INVOICE_LOOKBACK_MONTHS = 3


# Autopay ----------------------------------------------------------------------


def _check_autopay(*, enabled: bool, threshold_micros: int, amount_micros: int) -> None:
    errors = {}
    if not 0 <= threshold_micros <= MAX_AUTOPAY_THRESHOLD:
        errors["threshold"] = f"Enter a threshold between $0 and ${dollars(MAX_AUTOPAY_THRESHOLD)}."
    if enabled and not MIN_TOP_UP <= amount_micros <= MAX_TOP_UP:
        errors["amount"] = (
            f"Enter a top-up amount between ${dollars(MIN_TOP_UP)} and ${dollars(MAX_TOP_UP)}."
        )
    elif not 0 <= amount_micros <= MAX_TOP_UP:
        errors["amount"] = f"Enter a top-up amount of at most ${dollars(MAX_TOP_UP)}."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def billing_settings_update(
    *, account, actor, autopay_enabled: bool, threshold_micros: int, amount_micros: int
) -> BillingSettings:
    """Turn autopay on or off and set its threshold and top-up amount."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_BILLING)
    _check_autopay(
        enabled=autopay_enabled, threshold_micros=threshold_micros, amount_micros=amount_micros
    )
    account = locked_account(account)
    settings_row, _ = BillingSettings.objects.get_or_create(account=account)
    before = {
        "autopay": settings_row.autopay_enabled,
        "threshold": dollars(settings_row.autopay_threshold_micros),
        "amount": dollars(settings_row.autopay_amount_micros),
    }
    settings_row.autopay_enabled = autopay_enabled
    settings_row.autopay_threshold_micros = threshold_micros
    settings_row.autopay_amount_micros = amount_micros
    settings_row.save()
    after = {
        "autopay": autopay_enabled,
        "threshold": dollars(threshold_micros),
        "amount": dollars(amount_micros),
    }
    changes = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
    if changes:
        audit_log(
            account=account,
            actor=actor,
            action=AuditAction.BILLING_AUTOPAY_UPDATE,
            target=account,
            metadata=changes,
        )
    return settings_row


def autopay_top_up(*, account) -> LedgerEntry | None:
    """Credit the ledger when the available balance is below the threshold; else nothing.

    One entry brings the balance back to the threshold or above (in whole
    top-up amounts), so running it again right away adds nothing.
    """
    with transaction.atomic():
        # Locking the settings row makes concurrent checks of one account queue.
        settings_row = (
            BillingSettings.objects.select_for_update()
            .filter(account=account, autopay_enabled=True)
            .first()
        )
        if settings_row is None or settings_row.autopay_amount_micros <= 0:
            return None
        available = available_micros(account)
        threshold = settings_row.autopay_threshold_micros
        if available >= threshold:
            return None
        amount = settings_row.autopay_amount_micros
        times = max(1, -(-(threshold - available) // amount))
        entry = LedgerEntry.objects.create(
            account=account,
            kind=LedgerEntry.Kind.TOP_UP,
            amount_micros=times * amount,
            memo=(
                f"Autopay: {times} x ${dollars(amount)}"
                if times > 1
                else f"Autopay: ${dollars(amount)}"
            ),
        )
        audit_log(
            account=account,
            actor=None,
            action=AuditAction.BILLING_AUTOPAY_TOP_UP,
            target=entry,
            target_label=entry.memo,
            metadata={
                "amount": dollars(entry.amount_micros),
                "available_before": dollars(available),
                "threshold": dollars(threshold),
            },
        )
        send_on_commit(
            subject=f"{account.name}: prepaid balance topped up by ${dollars(entry.amount_micros)}",
            body=(
                f"The prepaid balance of {account.name} fell below your autopay threshold "
                f"of ${dollars(threshold)}, so ${dollars(entry.amount_micros)} "
                "was added. You can change autopay on the Billing page."
            ),
            recipients=[account.billing_email],
        )
        return entry


def autopay_run() -> int:
    """Check every account with autopay on; return how many were topped up."""
    accounts = Account.objects.filter(billing_settings__autopay_enabled=True)
    return sum(1 for account in accounts if autopay_top_up(account=account) is not None)


# Invoices ---------------------------------------------------------------------


def closable_until(*, now=None) -> datetime | None:
    """Months ending at or before this instant may be closed (None: nothing aggregated yet).

    Usage recorded up to a month's end plus the grace must have been aggregated.
    """
    now = now or timezone.now()
    state = AggregationState.objects.filter(pk=1).first()
    if state is None or state.completed_at is None:
        return None
    return min(now, state.completed_at) - INVOICE_GRACE


def _not_yet_invoiced(spend: Spend, invoices: list[Invoice]) -> tuple[list[SpendLine], int, int]:
    """(lines, micros, cents) of `spend` beyond what the month's `invoices` hold.

    Rollups only grow, so each line is the month's sum less what was invoiced.
    The cents are the month's total rounded once less the cents already
    invoiced: the month's invoices add up to the Reporting page's total.
    """
    invoiced: dict[tuple[int, str], SpendLine] = {}
    for invoice in invoices:
        for invoice_line in invoice.lines.all():
            key = (invoice_line.product, invoice_line.model)
            seen = invoiced.setdefault(key, SpendLine(0, ""))
            seen.seconds += invoice_line.seconds
            seen.tokens += invoice_line.tokens
            seen.events += invoice_line.events
            seen.micros += invoice_line.amount_micros
    lines: list[SpendLine] = []
    for line in spend.lines:
        seen = invoiced.get((line.product, line.model), SpendLine(0, ""))
        if line.events > seen.events:
            lines.append(
                SpendLine(
                    product=line.product,
                    model=line.model,
                    seconds=line.seconds - seen.seconds,
                    tokens=line.tokens - seen.tokens,
                    events=line.events - seen.events,
                    micros=line.micros - seen.micros,
                )
            )
    micros = sum(line.micros for line in lines)
    cents = spend.total_cents - sum(invoice.total_cents for invoice in invoices)
    for line, line_cents in zip(
        lines, allocate_cents(cents, [line.micros for line in lines]), strict=True
    ):
        line.cents = line_cents
    return lines, micros, cents


def invoice_close(*, account, month: date, now=None) -> tuple[Invoice, bool]:
    """Invoice the account's month; (latest invoice, False) if nothing is left to invoice.

    The first invoice of a month holds the exact sum of its rollups, rounded to
    cents once (`amounts.cents`), as the Reporting page rounds its total for that
    month. Usage of the month recorded after that (a late producer) goes on a
    supplementary invoice, so that the month's invoices add up to that total.
    """
    month = month.replace(day=1)
    start, end = month_bounds(month)
    until = closable_until(now=now)
    if until is None or end > until:
        raise ValidationError(
            f"{month:%B %Y} cannot be closed yet: its usage is still being counted."
        )
    with transaction.atomic():
        # Closing a month twice, even at once, invoices its usage once.
        account = locked_account(account)
        invoices = list(
            Invoice.objects.for_account(account).filter(month=month).prefetch_related("lines")
        )
        spend = spend_by_model(account=account, start=start, end=end)
        if invoices:
            lines, total_micros, total_cents = _not_yet_invoiced(spend, invoices)
            if not lines:
                return invoices[0], False
        else:
            lines, total_micros, total_cents = spend.lines, spend.total_micros, spend.total_cents
        invoice = Invoice.objects.create(
            account=account,
            month=month,
            sequence=len(invoices) + 1,
            total_micros=total_micros,
            total_cents=total_cents,
            billed_to=account.billing_email,
            plan=account.plan,
        )
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                account=account,
                invoice=invoice,
                product=line.product,
                model=line.model,
                seconds=line.seconds,
                tokens=line.tokens,
                events=line.events,
                amount_micros=line.micros,
                amount_cents=line.cents,
            )
            for line in lines
        )
        if invoice.total_cents:
            # Charged in whole cents: the amount the invoice shows.
            LedgerEntry.objects.create(
                account=account,
                kind=LedgerEntry.Kind.CHARGE,
                amount_micros=-invoice.total_cents * MICROS_PER_CENT,
                invoice=invoice,
                memo=f"Invoice {invoice.number} ({month:%B %Y})",
            )
        audit_log(
            account=account,
            actor=None,
            action=AuditAction.INVOICE_CLOSE,
            target=invoice,
            metadata={
                "month": f"{month:%Y-%m}",
                "total": dollars(invoice.total_micros),
                "supplement": invoice.is_supplement,
            },
        )
        what = (
            f"usage in {month:%B %Y} recorded after its invoice closed"
            if invoice.is_supplement
            else f"usage in {month:%B %Y}"
        )
        send_on_commit(
            subject=f"{account.name}: invoice {invoice.number} for {month:%B %Y}",
            body=(
                f"The invoice for {account.name}'s {what} is "
                f"${dollars(invoice.total_micros)}. It is on the Billing page."
            ),
            recipients=[invoice.billed_to],
        )
        return invoice, True


def invoices_close_due(*, now=None) -> int:
    """Invoice every complete month (of the last few) whose usage is not all invoiced.

    That is a month with usage and no invoice yet, or with usage recorded after
    its invoice closed. Returns how many invoices were made.
    """
    until = closable_until(now=now)
    if until is None:
        return 0
    last_month = month_of(until)
    if month_bounds(last_month)[1] > until:
        last_month = previous_month(last_month)
    first_month = last_month
    for _ in range(INVOICE_LOOKBACK_MONTHS - 1):
        first_month = previous_month(first_month)
    start, end = month_bounds(first_month)[0], month_bounds(last_month)[1]
    # Events are counted, not dollars: free usage is invoiced too, at $0.
    used = (
        UsageRollup.objects.filter(hour__gte=start, hour__lt=end)
        .annotate(month=TruncMonth("hour"))
        .values_list("account_id", "month")
        .annotate(events=Sum("events"))
    )
    invoiced = {
        (account_id, month): events
        for account_id, month, events in InvoiceLine.objects.filter(
            invoice__month__gte=first_month, invoice__month__lte=last_month
        )
        .values_list("account_id", "invoice__month")
        .annotate(events=Sum("events"))
    }
    created = 0
    for account_id, month_start, events in sorted(used):
        month = month_of(month_start)
        if events <= invoiced.get((account_id, month), 0):
            continue
        account = Account.objects.filter(pk=account_id).first()
        if account is None:
            continue
        _invoice, was_created = invoice_close(account=account, month=month, now=now)
        created += was_created
    return created
