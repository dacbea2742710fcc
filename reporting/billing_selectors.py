"""Reads of billing: month spend from the Reporting page's own rollup query, the ledger's balance.

Money is integer micro-dollars; `pricing.cents` is the one place it is rounded.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.db.models import Max, Sum
from django.utils import timezone

from reporting import pricing
from reporting.forms import ReportFilters
from reporting.models import BillingSettings, Invoice, LedgerEntry, SpendAlert, UsageRollup
from reporting.selectors import rollup_sums


def month_of(moment: datetime) -> date:
    """The first day of `moment`'s calendar month, in UTC."""
    moment = moment.astimezone(UTC)
    return date(moment.year, moment.month, 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[start, end) of a calendar month in UTC, as the Reporting page's periods use."""
    end = next_month(month)
    return (
        datetime(month.year, month.month, 1, tzinfo=UTC),
        datetime(end.year, end.month, 1, tzinfo=UTC),
    )


@dataclass
class SpendLine:
    product: int
    model: str
    seconds: int = 0
    tokens: int = 0
    events: int = 0
    micros: int = 0
    cents: int = 0

    @property
    def product_label(self) -> str:
        return pricing.PRODUCT_LABELS[pricing.PRODUCT_CODES[self.product]]


@dataclass
class Spend:
    start: datetime
    end: datetime
    lines: list[SpendLine] = field(default_factory=list)
    total_micros: int = 0

    @property
    def total_cents(self) -> int:
        return pricing.cents(self.total_micros)

    @property
    def total(self) -> str:
        return pricing.dollars(self.total_micros)


def allocate_cents(total_cents: int, micros: list[int]) -> list[int]:
    """Whole cents per line that add up to `total_cents` (largest remainder first).

    Each line is rounded down to a cent, then the cents left go to the lines
    that lost most; ties go to the earlier line. Lines are never negative here.
    """
    floors = [m // pricing.MICROS_PER_CENT for m in micros]
    left = total_cents - sum(floors)
    order = sorted(range(len(micros)), key=lambda i: (-(micros[i] % pricing.MICROS_PER_CENT), i))
    for i in order[: max(0, left)]:
        floors[i] += 1
    return floors


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


def invoices(account):
    return Invoice.objects.for_account(account)


def alerts_with_last_fired(account):
    """The account's alerts, each with `last_fired_at` and its recipients loaded."""
    return (
        SpendAlert.objects.for_account(account)
        .select_related("project")
        .prefetch_related("recipients__user")
        .annotate(last_fired_at=Max("firings__fired_at"))
    )
