"""Reads of the Reporting page and its CSV: rollups only, never the events table."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape

from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDay, TruncMinute
from django.utils import timezone
from django.utils.safestring import mark_safe

from apikeys.models import ApiKey
from projects.models import Project
from reporting import pricing
from reporting.amounts import MICROS_PER_DOLLAR, SECONDS_PER_HOUR, dollars, grouped, hours
from reporting.usage.models import (
    AggregationState,
    PendingUsage,
    StreamingSession,
    UsageEvent,
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
    # One row per group over the whole period (the compact table), biggest spend first.
    summary: list = field(default_factory=list)
    # The period of the same length just before: its totals and the change to now.
    previous: dict = field(default_factory=dict)
    changes: dict = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.rows

    @property
    def group_heading(self) -> str:
        return GROUP_HEADINGS.get(self.filters.group, "Usage")

    @property
    def text_columns(self) -> int:
        return 1 if self.filters.group == "none" else 2

    def body_html(self) -> str:
        """The detail table's rows: hundreds render far faster here than in a template loop.

        Numbers are thousands-separated for people; the CSV has the same rows without.
        """
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
            cells += [f'<td class="num">{grouped(c)}</td>' for c in row[lead:]]
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


SUMS = {
    "n_events": Sum("events"),
    "cost": Sum("cost_micros"),
    "seconds": Sum("quantity", filter=Q(unit=SECOND_UNIT)),
    "tokens": Sum("quantity", filter=~Q(unit=SECOND_UNIT)),
}


def _filtered(rollups, filters: ReportFilters):
    if filters.product:
        rollups = rollups.filter(product=pricing.PRODUCT_IDS[filters.product])
    if filters.project_id:
        rollups = rollups.filter(project_id=filters.project_id)
    if filters.api_key_id:
        rollups = rollups.filter(api_key_id=filters.api_key_id)
    return rollups


def period_sums(account, filters: ReportFilters, *, start: datetime, end: datetime):
    """(group columns...) -> events, cost, seconds, tokens over [start, end): no buckets."""
    # SECURITY: from the account's rollups, as every report.
    whole_days = all(t.hour == t.minute == t.second == 0 for t in (start, end))
    rollups: QuerySet[UsageRollupDaily] | QuerySet[UsageRollup]
    if whole_days:
        rollups = UsageRollupDaily.objects.for_account(account).filter(day__gte=start, day__lt=end)
    else:
        rollups = UsageRollup.objects.for_account(account).filter(hour__gte=start, hour__lt=end)
    columns = GROUP_COLUMNS[filters.group]
    return _filtered(rollups, filters).values(*columns).annotate(**SUMS).order_by(*columns)


def _bucketed_rollups(account, *, start: datetime, end: datetime, granularity: str):
    """The account's rollups over [start, end) and the expression of each row's bucket."""
    # SECURITY: every report starts from the account's rollups; a filter naming
    # another account's project or key therefore matches nothing.
    whole_days = all(t.hour == t.minute == t.second == 0 for t in (start, end))
    rollups: QuerySet[UsageRollupDaily] | QuerySet[UsageRollup]
    bucket: F | TruncDay
    if granularity == "day" and whole_days:
        rollups = UsageRollupDaily.objects.for_account(account).filter(day__gte=start, day__lt=end)
        bucket = F("day")
    else:
        rollups = UsageRollup.objects.for_account(account).filter(hour__gte=start, hour__lt=end)
        bucket = F("hour") if granularity == "hour" else TruncDay("hour")
    return rollups, bucket


def _sums(rows, bucket, columns):
    return (
        rows.annotate(bucket=bucket)
        .values("bucket", *columns)
        .annotate(**SUMS)
        .order_by("bucket", *columns)
    )


def rollup_sums(account, filters: ReportFilters):
    """(bucket, group columns...) -> events, cost, seconds, tokens; from the account's rollups."""
    rollups, bucket = _bucketed_rollups(
        account, start=filters.start, end=filters.end, granularity=filters.granularity
    )
    return _sums(_filtered(rollups, filters), bucket, GROUP_COLUMNS[filters.group])


# The admin API's groupings, any several at once: the columns each adds.
API_GROUP_COLUMNS = {
    "product": ["product"],
    "model": ["product", "model"],
    "project": ["project_id"],
    "api_key": ["api_key_id"],
}


def usage_sums(
    account, *, start: datetime, end: datetime, bucket: str, group_by: Sequence[str] = ()
) -> list[dict]:
    """Sums per bucket ("minute", "hour" or "day") and per `group_by` value, as the Reporting
    page computes them: hours and days from the rollups (the page's own query), minutes
    from the raw events (rollups are hourly), over [start, end).

    Each row: bucket, the group columns (product as its code; no project or key as
    None), events, cost (micro-dollars), seconds, tokens.
    """
    columns: list[str] = []
    for group in group_by:
        columns += [c for c in API_GROUP_COLUMNS[group] if c not in columns]
    if bucket == "minute":
        # SECURITY: from the account's events only.
        rows = (
            UsageEvent.objects.for_account(account)
            .filter(occurred_at__gte=start, occurred_at__lt=end)
            .annotate(
                bucket=TruncMinute("occurred_at"),
                events=Value(1),
                project_key=Coalesce("project_id", Value(0)),
                key_key=Coalesce("api_key_id", Value(0)),
            )
        )
        event_columns = [
            {"project_id": "project_key", "api_key_id": "key_key"}.get(c, c) for c in columns
        ]
        sums = (
            rows.values("bucket", *event_columns)
            .annotate(
                n_events=Count("id"),
                cost=Sum("cost_micros"),
                seconds=Sum("quantity", filter=Q(unit=SECOND_UNIT)),
                tokens=Sum("quantity", filter=~Q(unit=SECOND_UNIT)),
            )
            .order_by("bucket", *event_columns)
        )
        renamed = {"project_key": "project_id", "key_key": "api_key_id"}
        result = [{renamed.get(k, k): v for k, v in row.items()} for row in sums]
    else:
        rollups, expression = _bucketed_rollups(account, start=start, end=end, granularity=bucket)
        result = list(_sums(rollups, expression, columns))
    for row in result:
        if "product" in row:
            row["product"] = pricing.PRODUCT_CODES[row["product"]]
        for name in ("project_id", "api_key_id"):
            if row.get(name) == 0:
                row[name] = None
        row["seconds"] = row["seconds"] or 0
        row["tokens"] = row["tokens"] or 0
    return result


def change(now: int, before: int) -> dict:
    """How a figure moved from the previous period: {"text": "+12%", "direction": "up"}."""
    if before == now:
        return {"text": "no change" if now else "—", "direction": "same"}
    if not before:
        return {"text": "new", "direction": "up"}
    percent = round((now - before) * 100 / before)
    direction = "up" if now > before else "down"
    if percent == 0:
        return {"text": "±0%", "direction": direction}
    return {"text": f"{percent:+,d}%", "direction": direction}


def _figures(events: int, cost: int, seconds: int, tokens: int) -> dict:
    """Figures as people read them: rounded by `amounts`, thousands separated."""
    return {
        "events": grouped(events),
        "spend": grouped(dollars(cost)),
        "hours": grouped(hours(seconds)),
        "tokens": grouped(tokens),
    }


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
                "events": 0,
            },
        )
        s["events"] += row["n_events"]
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
    # The compact table: one row per group over the period, with the previous period's
    # spend of the same group beside it.
    length = filters.end - filters.start
    before_start, before_end = filters.start - length, filters.start
    before = {"events": 0, "cost": 0, "seconds": 0, "tokens": 0}
    before_by_label: dict[str, int] = {}
    for row in period_sums(account, filters, start=before_start, end=before_end):
        label = label_of(row)
        before_by_label[label] = before_by_label.get(label, 0) + row["cost"]
        before["events"] += row["n_events"]
        before["cost"] += row["cost"]
        before["seconds"] += row["seconds"] or 0
        before["tokens"] += row["tokens"] or 0
    summary = []
    for s in sorted(series.values(), key=lambda s: -sum(s["spend"])):
        cost, seconds, tokens = sum(s["spend"]), sum(s["seconds"]), sum(s["tokens"])
        summary.append(
            {
                "label": s["label"],
                **_figures(s["events"], cost, seconds, tokens),
                "change": change(cost, before_by_label.get(s["label"], 0)),
            }
        )
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
        totals=_figures(totals["events"], totals["cost"], totals["seconds"], totals["tokens"]),
        summary=summary,
        previous={
            "start": before_start,
            "end": before_end,
            **_figures(before["events"], before["cost"], before["seconds"], before["tokens"]),
        },
        changes={
            "events": change(totals["events"], before["events"]),
            "spend": change(totals["cost"], before["cost"]),
            "hours": change(totals["seconds"], before["seconds"]),
            "tokens": change(totals["tokens"], before["tokens"]),
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
