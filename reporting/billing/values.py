"""Plain values of billing: calendar months, a month's spend by model, and the autopay limits.

Money is integer micro-dollars; `amounts.cents` is the one place it is rounded.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from reporting import pricing
from reporting.amounts import MICROS_PER_CENT, MICROS_PER_DOLLAR, cents, dollars

MAX_AUTOPAY_THRESHOLD = 50_000 * MICROS_PER_DOLLAR
MIN_TOP_UP = 5 * MICROS_PER_DOLLAR
MAX_TOP_UP = 50_000 * MICROS_PER_DOLLAR


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
        return cents(self.total_micros)

    @property
    def total(self) -> str:
        return dollars(self.total_micros)


def allocate_cents(total_cents: int, micros: list[int]) -> list[int]:
    """Whole cents per line that add up to `total_cents` (largest remainder first).

    Each line is rounded down to a cent, then the cents left go to the lines
    that lost most; ties go to the earlier line. Lines are never negative here.
    """
    floors = [m // MICROS_PER_CENT for m in micros]
    left = total_cents - sum(floors)
    order = sorted(range(len(micros)), key=lambda i: (-(micros[i] % MICROS_PER_CENT), i))
    for i in order[: max(0, left)]:
        floors[i] += 1
    return floors
