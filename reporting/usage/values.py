"""Plain values of usage: an event to record, what recording did, and the Reporting page's filters."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone


@dataclass
class NewUsageEvent:
    """One event to record; ids rather than objects, as the ingest endpoint receives them."""

    account_id: int
    product: str
    model: str
    quantity: int | Decimal
    occurred_at: datetime
    idempotency_key: str
    project_id: int | None = None
    api_key_id: int | None = None
    unit: str | None = None
    metadata: dict | None = None
    # A spend reservation (reporting.limits) this event settles.
    reservation_id: str | None = None


@dataclass(frozen=True)
class Settlement:
    """A new event that settles a reservation: where it is in its batch, and what it cost."""

    index: int
    reservation_id: str
    idempotency_key: str
    account_id: int
    cost_micros: int


@dataclass(frozen=True)
class MonthTotal:
    """The cost of the events just recorded for one account, project, key and month."""

    account_id: int
    project_id: int | None
    api_key_id: int | None
    month: date
    cost_micros: int


@dataclass
class RecordResult:
    created: list = field(default_factory=list)  # idempotency keys inserted now
    duplicates: list = field(default_factory=list)  # idempotency keys already recorded


class UsageBatchError(ValidationError):
    """A batch with invalid events: `errors` lists {index, field, message}; nothing was recorded."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        super().__init__(
            "; ".join(f"event {e['index']}: {e['field']}: {e['message']}" for e in errors)
        )


@dataclass
class ReportFilters:
    period: str
    start: datetime
    end: datetime  # exclusive
    group: str
    granularity: str
    metric: str
    product: str = ""
    project_id: int | None = None
    api_key_id: int | None = None

    def query(self) -> dict:
        """The filters as URL parameters (for the CSV link)."""
        params = {
            "period": self.period,
            "group": self.group,
            "granularity": self.granularity,
            "metric": self.metric,
        }
        if self.period == "custom":
            params["start"] = self.start.date().isoformat()
            params["end"] = (self.end - timedelta(days=1)).date().isoformat()
        for name, value in (
            ("product", self.product),
            ("project", self.project_id),
            ("key", self.api_key_id),
        ):
            if value:
                params[name] = value
        return params


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def period_range(period: str, *, now=None, start=None, end=None) -> tuple[datetime, datetime]:
    """[start, end) in UTC for a named period (custom: whole days, `end` included)."""
    now = (now or timezone.now()).astimezone(UTC)
    today = _midnight(now.date())
    tomorrow = today + timedelta(days=1)
    if period == "24h":
        next_hour = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        return next_hour - timedelta(hours=24), next_hour
    if period == "7d":
        return tomorrow - timedelta(days=7), tomorrow
    if period == "this_month":
        first = today.replace(day=1)
        return first, (first + timedelta(days=32)).replace(day=1)
    if period == "last_month":
        first = today.replace(day=1)
        return (first - timedelta(days=1)).replace(day=1), first
    if period == "custom" and start and end:
        return _midnight(start), _midnight(end) + timedelta(days=1)
    return tomorrow - timedelta(days=30), tomorrow
