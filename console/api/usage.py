"""Usage and costs in 1-minute, 1-hour or 1-day buckets (X2): the Reporting page's numbers."""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router

from accounts.models import Account
from accounts.permissions import Action
from console.api.auth import acting
from console.api.schemas import CostReport, UsageReport
from console.api.statuses import errors
from reporting.amounts import dollars, hours
from reporting.usage import selectors as usage_selectors

router = Router(tags=["usage"])

Bucket = Literal["1m", "1h", "1d"]
Group = Literal["product", "model", "project", "api_key"]
BUCKETS: dict[str, tuple[str, timedelta, timedelta]] = {
    # bucket: (granularity, length, longest window)
    "1m": ("minute", timedelta(minutes=1), timedelta(hours=24)),
    "1h": ("hour", timedelta(hours=1), timedelta(days=31)),
    "1d": ("day", timedelta(days=1), timedelta(days=366)),
}
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)

Start = Annotated[datetime, Query(description="Inclusive, ISO 8601; UTC when no offset.")]
End = Annotated[datetime, Query(description="Exclusive, ISO 8601; UTC when no offset.")]
BucketParam = Annotated[
    Bucket, Query("1d", description="1m (windows up to 24 h, from raw events), 1h or 1d.")
]
GroupBy = Annotated[
    list[Group], Query(default_factory=list, description="Any of product, model, project, api_key.")
]


def _utc(name: str, value: datetime) -> datetime:
    try:
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValidationError({name: "Choose a time between 2000 and 2100."}) from None
    if not EARLIEST <= value <= LATEST:
        raise ValidationError({name: "Choose a time between 2000 and 2100."})
    return value


def _window(start: datetime, end: datetime, bucket: str) -> tuple[datetime, datetime, str]:
    start, end = _utc("start", start), _utc("end", end)
    granularity, length, longest = BUCKETS[bucket]
    if end <= start:
        raise ValidationError({"end": "end must be after start."})
    for name, value in (("start", start), ("end", end)):
        if (value - EARLIEST) % length:
            raise ValidationError({name: f"{name} must fall on a whole {granularity} (UTC)."})
    if end - start > longest:
        raise ValidationError(
            {"end": f"With bucket {bucket}, the window may span at most {longest}."}
        )
    return start, end, granularity


def _rows(
    account: Account, start: datetime, end: datetime, bucket: str, group_by: Sequence[str]
) -> list[dict[str, Any]]:
    start, end, granularity = _window(start, end, bucket)
    groups = list(dict.fromkeys(group_by))
    projects = dict(usage_selectors.project_choices(account)) if "project" in groups else {}
    keys = dict(usage_selectors.api_key_choices(account)) if "api_key" in groups else {}
    rows = []
    for sums in usage_selectors.usage_sums(
        account, start=start, end=end, bucket=granularity, group_by=groups
    ):
        row: dict[str, Any] = {"bucket_start": sums["bucket"], "events": sums["n_events"]}
        if "product" in sums:
            row["product"] = sums["product"]
        if "model" in sums:
            row["model"] = sums["model"]
        if "project" in groups:
            row["project_id"] = sums["project_id"]
            row["project"] = projects.get(sums["project_id"], "No project (account level)")
        if "api_key" in groups:
            row["api_key_id"] = sums["api_key_id"]
            row["api_key"] = keys.get(sums["api_key_id"], "No API key")
        row["seconds"], row["tokens"], row["cost"] = sums["seconds"], sums["tokens"], sums["cost"]
        rows.append(row)
    return rows


def _report(
    request: HttpRequest,
    start: datetime,
    end: datetime,
    bucket: str,
    group_by: Sequence[str],
    shape: Callable[[dict[str, Any]], dict[str, Any]],
) -> dict[str, Any]:
    account, _actor = acting(request, Action.VIEW)
    rows = _rows(account, start, end, bucket, group_by)
    return {
        "start": _utc("start", start),
        "end": _utc("end", end),
        "bucket": bucket,
        "group_by": list(dict.fromkeys(group_by)),
        "data": [shape(row) for row in rows],
        "total_micros": sum(row["cost"] for row in rows),
    }


def _usage_row(row: dict[str, Any]) -> dict[str, Any]:
    shaped = {k: v for k, v in row.items() if k not in ("seconds", "cost")}
    return {**shaped, "audio_seconds": row["seconds"], "audio_hours": hours(row["seconds"])}


def _cost_row(row: dict[str, Any]) -> dict[str, Any]:
    shaped = {k: v for k, v in row.items() if k not in ("seconds", "tokens", "cost")}
    return {**shaped, "cost_micros": row["cost"], "cost_usd": dollars(row["cost"])}


@router.get("/usage", response={200: UsageReport, **errors()}, summary="Usage in buckets")
def usage(
    request: HttpRequest,
    start: Start,
    end: End,
    bucket: BucketParam = "1d",
    group_by: GroupBy = [],  # noqa: B006 (ninja reads the default; never mutated)
) -> dict[str, Any]:
    """Events, audio and tokens per bucket, as the Reporting page and its CSV show them."""
    report = _report(request, start, end, bucket, group_by, _usage_row)
    del report["total_micros"]
    return report


@router.get("/costs", response={200: CostReport, **errors()}, summary="Costs in buckets")
def costs(
    request: HttpRequest,
    start: Start,
    end: End,
    bucket: BucketParam = "1d",
    group_by: GroupBy = [],  # noqa: B006 (ninja reads the default; never mutated)
) -> dict[str, Any]:
    """Spend per bucket in micro-dollars and USD: the Reporting page's and the invoices' sums."""
    report = _report(request, start, end, bucket, group_by, _cost_row)
    report["total_usd"] = dollars(report["total_micros"])
    return report
