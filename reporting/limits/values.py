"""Plain values of spend limits: bounds, month-to-date figures, and the refusal."""

from dataclasses import dataclass

from accounts.errors import ServiceError
from reporting.amounts import MICROS_PER_DOLLAR, dollars, grouped

# Bounds of a limit people may set: a cent up to ten million dollars a month.
MIN_LIMIT = MICROS_PER_DOLLAR // 100
MAX_LIMIT = 10_000_000 * MICROS_PER_DOLLAR


@dataclass
class MonthSpend:
    """A target's month to date, in micro-dollars: recorded usage (folded or not) and open reservations."""

    spent: int = 0
    reserved: int = 0
    # The part of `reserved` held by open streaming sessions.
    streaming: int = 0

    @property
    def total(self) -> int:
        return self.spent + self.reserved


class SpendLimitReached(ServiceError):
    """Work refused because it would take a limit's month past its amount; names the limit."""

    def __init__(self, limit, *, spent_micros: int, period):
        self.limit = limit
        self.spent_micros = spent_micros
        self.period = period
        self.message = (
            f"The monthly spend limit of ${grouped(dollars(limit.amount_micros))} "
            f"for {limit.target_label} is reached"
        )
        super().__init__(self.message)
