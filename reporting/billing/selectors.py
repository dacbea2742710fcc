"""Reads of billing: month spend from the Reporting page's own rollup query, the ledger's balance.

Money is integer micro-dollars; `amounts.cents` is the one place it is rounded.
"""

from datetime import datetime

from django.db.models import Max, QuerySet, Sum
from django.utils import timezone

from accounts.models import Account
from reporting.billing.models import BillingSettings, Invoice, LedgerEntry
from reporting.billing.values import (
    Spend,
    SpendLine,
    allocate_cents,
    month_bounds,
    month_of,
)
from reporting.usage.models import UsageRollup
from reporting.usage.selectors import rollup_sums
from reporting.usage.values import ReportFilters


def spend_by_model(*, account, start: datetime, end: datetime) -> Spend:
    """Spend per product and model over [start, end): the Reporting page's query, grouped by model."""
    # The very query behind the Reporting page (group "model"), so that an
    # invoice and the page's total for the same month are the same sum.
    filters = ReportFilters(
        period="custom", start=start, end=end, group="model", granularity="day", metric="spend"
    )
    lines: dict[tuple[int, str], SpendLine] = {}
    for row in rollup_sums(account, filters):
        line = lines.setdefault(
            (row["product"], row["model"]), SpendLine(product=row["product"], model=row["model"])
        )
        line.seconds += row["seconds"] or 0
        line.tokens += row["tokens"] or 0
        line.events += row["n_events"]
        line.micros += row["cost"]
    ordered = [lines[key] for key in sorted(lines)]
    spend = Spend(
        start=start, end=end, lines=ordered, total_micros=sum(line.micros for line in ordered)
    )
    for line, cents in zip(
        ordered, allocate_cents(spend.total_cents, [line.micros for line in ordered]), strict=True
    ):
        line.cents = cents
    return spend


def month_to_date(*, account, now=None) -> Spend:
    now = now or timezone.now()
    start, end = month_bounds(month_of(now))
    return spend_by_model(account=account, start=start, end=end)


def billing_settings_of(account) -> BillingSettings:
    """The account's settings, or the defaults (autopay off) when never saved."""
    return BillingSettings.objects.for_account(account).first() or BillingSettings(account=account)


def ledger_balance(account) -> int:
    """The prepaid balance: the exact sum of the ledger, in micro-dollars."""
    return LedgerEntry.objects.for_account(account).aggregate(s=Sum("amount_micros"))["s"] or 0


def unbilled_micros(account) -> int:
    """Usage not yet on an invoice: every rollup after the last invoiced month."""
    last = Invoice.objects.for_account(account).aggregate(m=Max("month"))["m"]
    rollups = UsageRollup.objects.for_account(account)
    if last is not None:
        rollups = rollups.filter(hour__gte=month_bounds(last)[1])
    return rollups.aggregate(s=Sum("cost_micros"))["s"] or 0


def available_micros(account) -> int:
    """What autopay watches: the prepaid balance less usage not yet invoiced."""
    return ledger_balance(account) - unbilled_micros(account)


def ledger_entries(account, limit=20):
    return LedgerEntry.objects.for_account(account).select_related("invoice")[:limit]


def invoices(account: Account) -> QuerySet[Invoice]:
    return Invoice.objects.for_account(account)
