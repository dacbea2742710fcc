# SQL here is built from our own table names and dates we compute; values are parameters where SQL allows.
# ruff: noqa: S608
"""Months of usage events: partitions made ahead, whole old months retired.

On PostgreSQL the events table is partitioned by month of `occurred_at`
(`<table>_y2026m12`), with a default partition for anything outside them
(moved into its month's partition when that partition is made). On SQLite it
is one plain table and retention deletes rows. Rollups, invoices and reports
are never touched: they keep their history after the raw events are gone.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from reporting.usage.models import AggregationState, PendingUsage, UsageEvent, UsageEventKey

MONTHS_AHEAD = 3
_EVENT = UsageEvent._meta.db_table
_KEY = UsageEventKey._meta.db_table
_PENDING = PendingUsage._meta.db_table
DEFAULT_PARTITION = f"{_EVENT}_default"
_PARTITION_LOCK = 0x5553_5054  # "USPT"


def month_start(at: datetime) -> datetime:
    at = at.astimezone(UTC)
    return datetime(at.year, at.month, 1, tzinfo=UTC)


def add_months(month: datetime, months: int) -> datetime:
    index = month.year * 12 + month.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def partition_name(month: datetime) -> str:
    return f"{_EVENT}_y{month.year:04d}m{month.month:02d}"


def _literal(at: datetime) -> str:
    # DDL takes no parameters; this is a date we computed, never input.
    return f"'{at:%Y-%m-%d %H:%M:%S}+00'"


def is_partitioned(cursor) -> bool:
    if connection.vendor != "postgresql":
        return False
    cursor.execute("SELECT relkind = 'p' FROM pg_class WHERE oid = %s::regclass", [_EVENT])
    row = cursor.fetchone()
    return bool(row and row[0])


def event_partitions(cursor) -> list[datetime]:
    """The months that have their own partition, oldest first."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = %s::regclass",
        [_EVENT],
    )
    prefix = f"{_EVENT}_y"
    months = []
    for (name,) in cursor.fetchall():
        if name.startswith(prefix):
            year, month = name.removeprefix(prefix).split("m")
            months.append(datetime(int(year), int(month), 1, tzinfo=UTC))
    return sorted(months)


def create_month_partition(cursor, month: datetime) -> None:
    """Make `month`'s partition, moving in any of its rows the default partition holds."""
    name, low, high = partition_name(month), _literal(month), _literal(add_months(month, 1))
    cursor.execute(
        f"SELECT EXISTS (SELECT 1 FROM {DEFAULT_PARTITION} "
        "WHERE occurred_at >= %s AND occurred_at < %s)",
        [month, add_months(month, 1)],
    )
    if not cursor.fetchone()[0]:
        cursor.execute(
            f"CREATE TABLE {name} PARTITION OF {_EVENT} FOR VALUES FROM ({low}) TO ({high})"
        )
        return
    # The default partition may not keep rows of a range that gets its own partition.
    cursor.execute(f"CREATE TABLE {name} (LIKE {_EVENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    cursor.execute(
        f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} "
        "WHERE occurred_at >= %s AND occurred_at < %s RETURNING *) "
        f"INSERT INTO {name} SELECT * FROM moved",
        [month, add_months(month, 1)],
    )
    cursor.execute(
        f"ALTER TABLE {_EVENT} ATTACH PARTITION {name} FOR VALUES FROM ({low}) TO ({high})"
    )


def usage_partitions_ensure(*, now=None, ahead: int = MONTHS_AHEAD) -> list[str]:
    """Make the partitions of this month and the next `ahead` months; return the ones made."""
    now = now or timezone.now()
    made: list[str] = []
    with transaction.atomic(), connection.cursor() as cursor:
        if not is_partitioned(cursor):
            return made
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PARTITION_LOCK])
        existing = set(event_partitions(cursor))
        first = month_start(now)
        for offset in range(ahead + 1):
            month = add_months(first, offset)
            if month not in existing:
                create_month_partition(cursor, month)
                made.append(partition_name(month))
    return made


def retention_cutoff(*, now=None) -> datetime | None:
    """Raw events before this go (whole months); None while USAGE_EVENT_RETENTION_MONTHS is 0."""
    months = settings.USAGE_EVENT_RETENTION_MONTHS
    if months <= 0:
        return None
    return add_months(month_start(now or timezone.now()), -months)


def raw_events_since() -> datetime | None:
    """The first moment whose raw events are all kept (None: all of them are)."""
    state = AggregationState.objects.filter(pk=1).first()
    return state.events_since if state is not None else None


@dataclass
class Retired:
    cutoff: datetime | None
    partitions: list[str]
    rows: int


def usage_events_retire(*, now=None) -> Retired:
    """Drop raw events older than the retention setting; rollups, invoices and reports stay."""
    cutoff = retention_cutoff(now=now)
    if cutoff is None:
        return Retired(cutoff=None, partitions=[], rows=0)
    dropped: list[str] = []
    rows = 0
    with transaction.atomic(), connection.cursor() as cursor:
        # First: from now on, ingest refuses events this old and rebuilds stop here.
        state, _ = AggregationState.objects.select_for_update().get_or_create(pk=1)
        if state.events_since is None or state.events_since < cutoff:
            state.events_since = cutoff
            state.save(update_fields=["events_since"])
        if is_partitioned(cursor):
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PARTITION_LOCK])
            # A table with deferred foreign-key checks still queued cannot be
            # dropped: run them now (there are only any when this transaction wrote events).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for month in event_partitions(cursor):
                if add_months(month, 1) <= cutoff:
                    # A whole month at once: no dead rows, no VACUUM, no index bloat.
                    cursor.execute(f"DROP TABLE {partition_name(month)}")
                    dropped.append(partition_name(month))
            cursor.execute(f"DELETE FROM {DEFAULT_PARTITION} WHERE occurred_at < %s", [cutoff])
        else:
            cursor.execute(f"DELETE FROM {_EVENT} WHERE occurred_at < %s", [cutoff])
        rows = cursor.rowcount
        cursor.execute(f"DELETE FROM {_KEY} WHERE occurred_at < %s", [cutoff])
        # Their events are gone: the fold would find nothing to count for them.
        cursor.execute(f"DELETE FROM {_PENDING} WHERE occurred_at < %s", [cutoff])
    return Retired(cutoff=cutoff, partitions=dropped, rows=rows)
