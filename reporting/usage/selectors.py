"""Reads of the Reporting page and its CSV: rollups only, never the events table."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape

from django.db.models import F, Q, Sum
from django.db.models.functions import TruncDay
from django.utils import timezone
from django.utils.safestring import mark_safe

from apikeys.models import ApiKey
from projects.models import Project
from reporting import pricing
from reporting.amounts import MICROS_PER_DOLLAR, SECONDS_PER_HOUR, dollars, hours
from reporting.usage.models import (
    AggregationState,
    PendingUsage,
    StreamingSession,
    UsageRollup,
    UsageRollupDaily,
)
from reporting.usage.values import ReportFilters

SECOND_UNIT = pricing.UNIT_IDS[pricing.SECOND]
GROUP_COLUMNS = {
    "none": [],
    "product": ["product"],
    "model": ["product", "model"],
    "project": ["project_id"],
    "key": ["api_key_id"],
}
GROUP_HEADINGS = {"product": "Product", "model": "Model", "project": "Project", "key": "API key"}


def project_choices(account) -> list[tuple[int, str]]:
    """The account's projects, deleted ones too (their history stays, U4)."""
    return [(p.pk, str(p)) for p in Project.objects.for_account_with_deleted(account)]


def api_key_choices(account) -> list[tuple[int, str]]:
    """The account's API keys, deleted ones too, named with their project."""
    # SECURITY: keys reached through the account's projects only.
    keys = ApiKey.objects.filter(project__account=account).select_related("project")
    labels = []
    for key in keys.order_by("project__name", "name", "pk"):
        deleted = " (deleted)" if key.is_deleted else ""
        labels.append((key.pk, f"{key.name}{deleted} · {key.project.name}"))
    return labels


@dataclass
class Report:
    filters: ReportFilters
    heading: str
    buckets: list = field(default_factory=list)
    series: list = field(default_factory=list)
    header: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    totals: dict = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.rows

    @property
    def text_columns(self) -> int:
        return 1 if self.filters.group == "none" else 2

    def body_html(self) -> str:
        """The table's rows: hundreds of rows render far faster here than in a template loop."""
        lead = self.text_columns
        # The same day and name come back on many rows: escape each text once.
        text_cells: dict[str, str] = {}
        lines = []
        for row in self.rows:
            # SECURITY: text cells are escaped (project and key names are user input);
            # the others are numbers formatted by usage_report, digits and a point only.
            cells = [
                text_cells.get(c) or text_cells.setdefault(c, f"<td>{escape(c)}</td>")
                for c in row[:lead]
            ]
            cells += [f'<td class="num">{c}</td>' for c in row[lead:]]
            lines.append(f"<tr>{''.join(cells)}</tr>")
        return mark_safe("\n".join(lines))  # noqa: S308 (escaped above)

    def chart(self) -> dict:
        """What the chart script draws (display only: floats are fine here)."""
        fmt = "%d %b %H:00" if self.filters.granularity == "hour" else "%d %b"
        return {
            "metric": self.filters.metric,
            "labels": [b.strftime(fmt) for b in self.buckets],
            "series": [
                {
                    "label": s["label"],
                    "spend": [round(v / MICROS_PER_DOLLAR, 4) for v in s["spend"]],
                    "hours": [round(v / SECONDS_PER_HOUR, 3) for v in s["seconds"]],
                    "tokens": s["tokens"],
                }
                for s in self.series
            ],
        }


def _labeller(account, group, projects=None, api_keys=None):
    if group == "none":
        return lambda row: "All usage"
    if group == "product":
        return lambda row: pricing.PRODUCT_LABELS[pricing.PRODUCT_CODES[row["product"]]]
    if group == "model":
        return lambda row: (
            f"{pricing.PRODUCT_LABELS[pricing.PRODUCT_CODES[row['product']]]} · {row['model']}"
        )
    if group == "project":
        names = dict(projects if projects is not None else project_choices(account))
        return lambda row: names.get(row["project_id"], "No project (account level)")
    names = dict(api_keys if api_keys is not None else api_key_choices(account))
    return lambda row: names.get(row["api_key_id"], "No API key")


def _buckets(filters: ReportFilters) -> list[datetime]:
    step = timedelta(hours=1) if filters.granularity == "hour" else timedelta(days=1)
    bucket, buckets = filters.start, []
    while bucket < filters.end:
        buckets.append(bucket)
        bucket += step
    return buckets


def rollup_sums(account, filters: ReportFilters):
    """(bucket, group columns...) -> events, cost, seconds, tokens; from the account's rollups."""
    # SECURITY: every report starts from the account's rollups; a filter naming
    # another account's project or key therefore matches nothing.
    whole_days = all(t.hour == t.minute == t.second == 0 for t in (filters.start, filters.end))
    if filters.granularity == "day" and whole_days:
        rollups = UsageRollupDaily.objects.for_account(account).filter(
            day__gte=filters.start, day__lt=filters.end
        )
        bucket = F("day")
    else:
        rollups = UsageRollup.objects.for_account(account).filter(
            hour__gte=filters.start, hour__lt=filters.end
        )
        bucket = F("hour") if filters.granularity == "hour" else TruncDay("hour")
    if filters.product:
        rollups = rollups.filter(product=pricing.PRODUCT_IDS[filters.product])
    if filters.project_id:
        rollups = rollups.filter(project_id=filters.project_id)
    if filters.api_key_id:
        rollups = rollups.filter(api_key_id=filters.api_key_id)
    columns = GROUP_COLUMNS[filters.group]
    return (
        rollups.annotate(bucket=bucket)
        .values("bucket", *columns)
        .annotate(
            n_events=Sum("events"),
            cost=Sum("cost_micros"),
            seconds=Sum("quantity", filter=Q(unit=SECOND_UNIT)),
            tokens=Sum("quantity", filter=~Q(unit=SECOND_UNIT)),
        )
        .order_by("bucket", *columns)
    )


def usage_report(*, account, filters: ReportFilters, projects=None, api_keys=None) -> Report:
    """Usage and spend over the period, by the chosen grouping, per hour or day (U1).

    `projects` and `api_keys` are this account's `project_choices` / `api_key_choices`
    when the caller already has them (the filter form does), to name the rows.
    """
    label_of = _labeller(account, filters.group, projects, api_keys)
    buckets = _buckets(filters)
    index = {b: i for i, b in enumerate(buckets)}
    series: dict[str, dict] = {}
    rows = []
    totals = {"events": 0, "cost": 0, "seconds": 0, "tokens": 0}
    fmt = "%Y-%m-%d %H:00" if filters.granularity == "hour" else "%Y-%m-%d"
    bucket_text = {b: b.strftime(fmt) for b in buckets}
    for row in rollup_sums(account, filters):
        label = label_of(row)
        seconds, tokens = row["seconds"] or 0, row["tokens"] or 0
        s = series.setdefault(
            label,
            {
                "label": label,
                "spend": [0] * len(buckets),
                "seconds": [0] * len(buckets),
                "tokens": [0] * len(buckets),
            },
        )
        position = index.get(row["bucket"])
        if position is not None:
            s["spend"][position] += row["cost"]
            s["seconds"][position] += seconds
            s["tokens"][position] += tokens
        cells = [bucket_text.get(row["bucket"]) or row["bucket"].strftime(fmt)]
        if filters.group != "none":
            cells.append(label)
        cells += [str(row["n_events"]), hours(seconds), str(tokens), dollars(row["cost"])]
        rows.append(cells)
        totals["events"] += row["n_events"]
        totals["cost"] += row["cost"]
        totals["seconds"] += seconds
        totals["tokens"] += tokens
    header = ["Hour (UTC)" if filters.granularity == "hour" else "Day (UTC)"]
    if filters.group != "none":
        header.append(GROUP_HEADINGS[filters.group])
    header += ["Events", "Audio hours", "Tokens", "Spend (USD)"]
    heading = "Spend" if filters.metric == "spend" else "Usage"
    if filters.group != "none":
        heading += f" by {GROUP_HEADINGS[filters.group].lower()}"
    return Report(
        filters=filters,
        heading=heading,
        buckets=buckets,
        series=sorted(series.values(), key=lambda s: -sum(s["spend"])),
        header=header,
        rows=rows,
        totals={
            "events": totals["events"],
            "spend": dollars(totals["cost"]),
            "hours": hours(totals["seconds"]),
            "tokens": totals["tokens"],
        },
    )


def freshness(*, now=None) -> dict:
    """When aggregation last caught up: "Data as of 12 s ago" (U2)."""
    now = now or timezone.now()
    state = AggregationState.objects.filter(pk=1).first()
    if state is None or state.completed_at is None:
        return {"as_of": None, "age": None, "text": "Usage has not been aggregated yet."}
    age = max(0, int((now - state.completed_at).total_seconds()))
    if age < 60:
        ago = f"{age} s"
    elif age < 3600:
        ago = f"{age // 60} min"
    elif age < 86400:
        ago = f"{age // 3600} h"
    else:
        ago = f"{age // 86400} d"
    return {"as_of": state.completed_at, "age": age, "text": f"Data as of {ago} ago"}


def open_streaming_sessions(account) -> int:
    """Streaming sessions still open: not counted until they close (U3)."""
    return StreamingSession.objects.for_account(account).open().count()


def pending_usage_summary(*, now=None) -> tuple[int, float | None]:
    """For operators: events waiting to be folded, and seconds since a pass last caught up.

    The lag is None before the first pass; it stays below the aggregation
    interval while the worker keeps up.
    """
    now = now or timezone.now()
    pending = PendingUsage.objects.count()
    state = AggregationState.objects.filter(pk=1).first()
    if state is None or state.completed_at is None:
        return pending, None
    return pending, max(0.0, (now - state.completed_at).total_seconds())
