# SQL here is built from our own table and column names only; values are always parameters.
# ruff: noqa: S608
"""Usage recording, exactly-once aggregation into hourly rollups, streaming sessions.

Exactly once: an event and its `PendingUsage` row are inserted in one
transaction; aggregation deletes pending rows and adds their events' sums to
the rollups in one transaction. Every committed event is therefore either
pending or counted, whatever the number of workers, however late an event
commits, and wherever a worker dies (its transaction rolls back: its claimed
rows are pending again).
"""

import json
import math
import time
from datetime import UTC, date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.models import Account
from apikeys.models import ApiKey
from projects.models import Project
from reporting import pricing
from reporting.usage.models import (
    AggregationState,
    PendingUsage,
    StreamingSession,
    UsageEvent,
    UsageEventKey,
    UsageRollup,
    UsageRollupDaily,
)
from reporting.usage.retention import raw_events_since
from reporting.usage.signals import usage_recorded
from reporting.usage.values import (
    MonthTotal,
    NewUsageEvent,
    RecordResult,
    Settlement,
    UsageBatchError,
)

# Streaming sessions open longer than this are closed and billed this much (U3).
STREAMING_MAX_SECONDS = 3 * 3600
AGGREGATION_BATCH = 50_000
# pg_advisory locks: aggregation passes share it, a rebuild takes it alone.
_ROLLUP_LOCK = 0x5553_4147  # "USAG"

_EVENT = UsageEvent._meta.db_table
_PENDING = PendingUsage._meta.db_table
_KEY = UsageEventKey._meta.db_table
_ROLLUP = UsageRollup._meta.db_table
_DAILY = UsageRollupDaily._meta.db_table
_INSERT_FIELDS = [
    "account_id",
    "project_id",
    "api_key_id",
    "product",
    "model",
    "unit",
    "quantity",
    "cost_micros",
    "occurred_at",
    "recorded_at",
    "idempotency_key",
    "metadata",
]
_PENDING_FIELDS = "event_id, occurred_at, account_id, project_id, api_key_id, cost_micros"
_ROLLUP_KEY = "account_id, hour, project_id, api_key_id, product, model, unit"
_DAILY_KEY = "account_id, day, project_id, api_key_id, product, model, unit"


def _whole_units(quantity) -> int:
    """Whole units; fractions of a second are billed as a second (never a float on the way)."""
    if isinstance(quantity, bool) or not isinstance(quantity, int | Decimal):
        raise ValueError("quantity must be an integer or a Decimal")
    if quantity < 0:
        raise ValueError("quantity must not be negative")
    return int(quantity) if isinstance(quantity, int) else math.ceil(quantity)


def _check_links(events: list[NewUsageEvent]) -> list[dict]:
    """Errors for projects and keys that are not the event's account's (or project's)."""
    errors = []
    account_ids = {e.account_id for e in events}
    known_accounts = set(Account.objects.filter(pk__in=account_ids).values_list("pk", flat=True))
    project_ids = {e.project_id for e in events if e.project_id is not None}
    key_ids = {e.api_key_id for e in events if e.api_key_id is not None}
    projects = dict(Project.objects.filter(pk__in=project_ids).values_list("pk", "account_id"))
    keys = {
        pk: (project_id, account_id)
        for pk, project_id, account_id in ApiKey.objects.filter(pk__in=key_ids).values_list(
            "pk", "project_id", "project__account_id"
        )
    }
    for index, event in enumerate(events):
        if event.account_id not in known_accounts:
            errors.append({"index": index, "field": "account_id", "message": "No such account."})
            continue
        # SECURITY: an event may only name the project and key of its own account.
        if event.project_id is not None and projects.get(event.project_id) != event.account_id:
            errors.append(
                {
                    "index": index,
                    "field": "project_id",
                    "message": "No such project in this account.",
                }
            )
        if event.api_key_id is not None:
            key = keys.get(event.api_key_id)
            if key is None or key[1] != event.account_id:
                errors.append(
                    {
                        "index": index,
                        "field": "api_key_id",
                        "message": "No such API key in this account.",
                    }
                )
            elif event.project_id is not None and key[0] != event.project_id:
                errors.append(
                    {
                        "index": index,
                        "field": "api_key_id",
                        "message": "This API key belongs to another project.",
                    }
                )
            elif event.project_id is None:
                event.project_id = key[0]
    return errors


def _priced_rows(events: list[NewUsageEvent], *, now) -> tuple[list[list], list[dict]]:
    rows, errors = [], []
    for index, event in enumerate(events):
        try:
            unit = pricing.unit_for(event.product, event.unit)
            quantity = _whole_units(event.quantity)
            cost = pricing.cost_micros(
                product=event.product,
                model=event.model,
                unit=unit,
                quantity=quantity,
                at=event.occurred_at,
            )
        except pricing.PricingError as error:
            errors.append({"index": index, "field": "model", "message": str(error)})
            continue
        except ValueError as error:
            errors.append({"index": index, "field": "quantity", "message": str(error)})
            continue
        values = [
            event.account_id,
            event.project_id,
            event.api_key_id,
            pricing.PRODUCT_IDS[event.product],
            event.model,
            pricing.UNIT_IDS[unit],
            quantity,
            cost,
            event.occurred_at,
            now,
            event.idempotency_key,
            event.metadata,
        ]
        rows.append(values)
    return rows, errors


_PG_ARRAY_TYPES = [
    "bigint",
    "bigint",
    "bigint",
    "smallint",
    "text",
    "smallint",
    "bigint",
    "bigint",
    "timestamptz",
    "timestamptz",
    "text",
    "text",
]
# One array per column: a short statement whatever the batch size (a VALUES list
# of 12,000 placeholders costs more to build than to run).
_PG_INSERT = f"""
WITH batch AS (
    SELECT nextval(pg_get_serial_sequence('{_EVENT}', 'id')) AS id, b.*
    FROM unnest({", ".join(f"%s::{t}[]" for t in _PG_ARRAY_TYPES)})
        AS b({", ".join(_INSERT_FIELDS)})
), keys AS (
    -- The key table is the one unique index across every month's partition.
    INSERT INTO {_KEY} (idempotency_key, event_id, occurred_at)
    SELECT idempotency_key, id, occurred_at FROM batch
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING event_id
), inserted AS (
    INSERT INTO {_EVENT} (id, {", ".join(_INSERT_FIELDS)})
    SELECT id, {", ".join(f if f != "metadata" else "metadata::jsonb" for f in _INSERT_FIELDS)}
    FROM batch WHERE id IN (SELECT event_id FROM keys)
    RETURNING id, idempotency_key, occurred_at, account_id, project_id, api_key_id, cost_micros
), queued AS (
    INSERT INTO {_PENDING} ({_PENDING_FIELDS})
    SELECT id, occurred_at, account_id, project_id, api_key_id, cost_micros FROM inserted
)
SELECT id, idempotency_key FROM inserted
"""
_METADATA = _INSERT_FIELDS.index("metadata")


def _pg_array_literal(values) -> str:
    """One column as a PostgreSQL array literal: strings quoted, numbers and times as they print.

    Sent as one string parameter per column: adapting the 12,000 elements of a
    batch one by one was the largest part of an ingest request's time.
    """
    return (
        "{"
        + ",".join(
            "NULL"
            if v is None
            else '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
            if isinstance(v, str)
            else str(v)
            for v in values
        )
        + "}"
    )


def _insert_chunk(rows: list[list]) -> dict[str, int]:
    """Insert rows and queue them for aggregation, skipping known idempotency keys.

    Returns {idempotency key: id} of the rows inserted now.
    """
    with connection.cursor() as cursor:
        if _postgres():
            columns = [list(column) for column in zip(*rows, strict=True)]
            columns[_METADATA] = [None if m is None else json.dumps(m) for m in columns[_METADATA]]
            cursor.execute(_PG_INSERT, [_pg_array_literal(column) for column in columns])
            return {key: pk for pk, key in cursor.fetchall()}
        # SQLite: one writer at a time, so three statements are as safe as one.
        key_at = _INSERT_FIELDS.index("idempotency_key")
        time_at = _INSERT_FIELDS.index("occurred_at")
        time_field = UsageEvent._meta.get_field("occurred_at")
        cursor.execute(
            f"INSERT INTO {_KEY} (idempotency_key, event_id, occurred_at) VALUES "
            + ", ".join(["(%s, 0, %s)"] * len(rows))
            + " ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key",
            [
                value
                for row in rows
                for value in (row[key_at], time_field.get_db_prep_save(row[time_at], connection))
            ],
        )
        new_keys = {key for (key,) in cursor.fetchall()}
        rows = [row for row in rows if row[key_at] in new_keys]
        if not rows:
            return {}
        opts = UsageEvent._meta
        by_column = {field.column: field for field in opts.concrete_fields}
        fields = [by_column[name] for name in _INSERT_FIELDS]
        placeholders = "(" + ", ".join(["%s"] * len(_INSERT_FIELDS)) + ")"
        cursor.execute(
            f"INSERT INTO {_EVENT} ({', '.join(_INSERT_FIELDS)}) VALUES "
            + ", ".join([placeholders] * len(rows))
            + " RETURNING id, idempotency_key, occurred_at,"
            " account_id, project_id, api_key_id, cost_micros",
            [
                field.get_db_prep_save(value, connection)
                for row in rows
                for field, value in zip(fields, row, strict=True)
            ],
        )
        returned = cursor.fetchall()
        cursor.executemany(
            f"UPDATE {_KEY} SET event_id = %s WHERE idempotency_key = %s",
            [(pk, key) for pk, key, *_rest in returned],
        )
        cursor.execute(
            f"INSERT INTO {_PENDING} ({_PENDING_FIELDS}) VALUES "
            + ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(returned)),
            [value for pk, _key, *rest in returned for value in (pk, *rest)],
        )
        return {key: pk for pk, key, *_rest in returned}


def usage_events_record(*, events: list[NewUsageEvent], chunk_size: int = 1000) -> RecordResult:
    """Record a batch atomically: all valid events are recorded (replays ignored), or none.

    Raises UsageBatchError naming each bad event's index and field.
    """
    now = timezone.now()
    errors = _check_links(events)
    rows, pricing_errors = _priced_rows(events, now=now)
    since = raw_events_since()
    if since is not None:
        errors += [
            {
                "index": index,
                "field": "occurred_at",
                "message": f"Older than the raw events kept (since {since:%Y-%m-%d}).",
            }
            for index, event in enumerate(events)
            if event.occurred_at < since
        ]
    errors = sorted(errors + pricing_errors, key=lambda e: e["index"])
    if errors:
        raise UsageBatchError(errors)
    result = RecordResult()
    seen = set()
    unique_rows = []
    firsts: list[int] = []
    for index, (event, row) in enumerate(zip(events, rows, strict=True)):
        # A key twice in one batch is the same event twice: the second is a replay.
        if event.idempotency_key in seen:
            result.duplicates.append(event.idempotency_key)
            continue
        seen.add(event.idempotency_key)
        unique_rows.append(row)
        firsts.append(index)
    key_at = _INSERT_FIELDS.index("idempotency_key")
    with transaction.atomic():
        for start in range(0, len(unique_rows), chunk_size):
            chunk = unique_rows[start : start + chunk_size]
            inserted = _insert_chunk(chunk)
            for row in chunk:
                key = row[key_at]
                (result.created if key in inserted else result.duplicates).append(key)
        created = set(result.created)
        recorded = [
            (index, events[index], rows[index])
            for index in firsts
            if events[index].idempotency_key in created
        ]
        if recorded:
            # A replay tells nothing again: only the events inserted now.
            usage_recorded.send(
                sender=UsageEvent,
                totals=_month_totals(row for _index, _event, row in recorded),
                settlements=[
                    Settlement(
                        index=index,
                        reservation_id=event.reservation_id,
                        idempotency_key=event.idempotency_key,
                        account_id=event.account_id,
                        cost_micros=row[_COST_AT],
                    )
                    for index, event, row in recorded
                    if event.reservation_id is not None
                ],
            )
    return result


_COST_AT = _INSERT_FIELDS.index("cost_micros")
_ACCOUNT_AT = _INSERT_FIELDS.index("account_id")
_PROJECT_AT = _INSERT_FIELDS.index("project_id")
_KEY_AT = _INSERT_FIELDS.index("api_key_id")
_TIME_AT = _INSERT_FIELDS.index("occurred_at")


def _month_totals(rows) -> list[MonthTotal]:
    """The cost of new events per account, project, key and calendar month (UTC)."""
    sums: dict[tuple[int, int | None, int | None, date], int] = {}
    for row in rows:
        at = row[_TIME_AT].astimezone(UTC)
        key = (row[_ACCOUNT_AT], row[_PROJECT_AT], row[_KEY_AT], date(at.year, at.month, 1))
        sums[key] = sums.get(key, 0) + row[_COST_AT]
    return [
        MonthTotal(
            account_id=account_id,
            project_id=project_id,
            api_key_id=api_key_id,
            month=month,
            cost_micros=cost,
        )
        for (account_id, project_id, api_key_id, month), cost in sums.items()
    ]


def usage_event_record(
    *,
    account,
    project,
    api_key,
    product,
    model,
    quantity,
    occurred_at,
    idempotency_key,
    metadata=None,
    unit=None,
    reservation_id=None,
) -> tuple[UsageEvent, bool]:
    """Record one usage event (cost computed now from reporting.pricing); a replayed idempotency key returns (existing, False)."""
    new = NewUsageEvent(
        account_id=account.pk,
        project_id=project.pk if project is not None else None,
        api_key_id=api_key.pk if api_key is not None else None,
        product=product,
        model=model,
        unit=unit,
        quantity=quantity,
        occurred_at=occurred_at,
        idempotency_key=idempotency_key,
        metadata=metadata,
        reservation_id=reservation_id,
    )
    result = usage_events_record(events=[new])
    key = UsageEventKey.objects.get(pk=idempotency_key)
    # The time narrows the lookup to the event's own month.
    event = UsageEvent.objects.get(pk=key.event_id, occurred_at=key.occurred_at)
    return event, bool(result.created)


# Aggregation ---------------------------------------------------------------


def _postgres() -> bool:
    return connection.vendor == "postgresql"


_PG_FOLD = f"""
WITH claimed AS (
    -- = ANY(ARRAY(...)) keeps the planner on the primary key (IN (...) became a
    -- hash join over the whole queue on a large backlog).
    -- From the remembered low-water mark up: the index range read starts past
    -- the dead entries of every event ever folded (autovacuum or not). The mark
    -- is a sub-select so that the planner does not look for the index's real
    -- end (a walk through those same dead entries) to estimate the range.
    DELETE FROM {_PENDING}
    WHERE event_id = ANY(ARRAY(
        SELECT event_id FROM {_PENDING} WHERE event_id >= (SELECT %s::bigint)
        ORDER BY event_id LIMIT %s FOR UPDATE SKIP LOCKED
    ))
    RETURNING event_id, occurred_at
), sums AS (
    SELECT e.account_id,
           date_trunc('hour', e.occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
           COALESCE(e.project_id, 0) AS project_id, COALESCE(e.api_key_id, 0) AS api_key_id,
           e.product, e.model, e.unit,
           SUM(e.quantity) AS quantity, SUM(e.cost_micros) AS cost_micros, COUNT(*) AS events
    -- The time is the partition key: each event is looked up in its own month.
    FROM claimed c JOIN {_EVENT} e ON e.id = c.event_id AND e.occurred_at = c.occurred_at
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    -- One order for every worker: concurrent upserts of the same rows queue, not deadlock.
    ORDER BY 1, 2, 3, 4, 5, 6, 7
), folded AS (
    INSERT INTO {_ROLLUP} ({_ROLLUP_KEY}, quantity, cost_micros, events)
    SELECT * FROM sums
    ON CONFLICT ({_ROLLUP_KEY}) DO UPDATE SET
        quantity = {_ROLLUP}.quantity + EXCLUDED.quantity,
        cost_micros = {_ROLLUP}.cost_micros + EXCLUDED.cost_micros,
        events = {_ROLLUP}.events + EXCLUDED.events
    RETURNING 1
), daily AS (
    SELECT account_id, date_trunc('day', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day,
           project_id, api_key_id, product, model, unit,
           SUM(quantity) AS quantity, SUM(cost_micros) AS cost_micros, SUM(events) AS events
    FROM sums
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    ORDER BY 1, 2, 3, 4, 5, 6, 7
), folded_daily AS (
    INSERT INTO {_DAILY} ({_DAILY_KEY}, quantity, cost_micros, events)
    SELECT * FROM daily
    ON CONFLICT ({_DAILY_KEY}) DO UPDATE SET
        quantity = {_DAILY}.quantity + EXCLUDED.quantity,
        cost_micros = {_DAILY}.cost_micros + EXCLUDED.cost_micros,
        events = {_DAILY}.events + EXCLUDED.events
    RETURNING 1
)
SELECT (SELECT COUNT(*) FROM claimed), (SELECT MAX(event_id) FROM claimed),
       (SELECT COUNT(*) FROM folded), (SELECT COUNT(*) FROM folded_daily)
"""

_SQLITE_SUMS = """
SELECT e.account_id, strftime('{bucket}', e.occurred_at),
       COALESCE(e.project_id, 0), COALESCE(e.api_key_id, 0), e.product, e.model, e.unit,
       SUM(e.quantity), SUM(e.cost_micros), COUNT(*)
"""

_UPSERT_TAIL = """
ON CONFLICT ({key}) DO UPDATE SET
    quantity = {table}.quantity + excluded.quantity,
    cost_micros = {table}.cost_micros + excluded.cost_micros,
    events = {table}.events + excluded.events
"""
# (table, unique key, SQLite bucket format; %% survives the parameter formatting)
_SQLITE_TARGETS = [
    (_ROLLUP, _ROLLUP_KEY, "%%Y-%%m-%%d %%H:00:00"),
    (_DAILY, _DAILY_KEY, "%%Y-%%m-%%d 00:00:00"),
]


def _take_sqlite_write_lock(cursor) -> None:
    # SQLite has one writer: writing first makes this transaction that writer
    # before it reads anything, so no other pass can fold the same rows.
    state = AggregationState._meta.db_table
    cursor.execute(f"INSERT OR IGNORE INTO {state} (id, completed_at) VALUES (1, NULL)")
    cursor.execute(f"UPDATE {state} SET id = 1 WHERE id = 1")


def _fold_batch(batch_size: int, claim_from: int = 0) -> tuple[int, int | None]:
    """Fold up to `batch_size` pending events (ids from `claim_from` up) into the rollups, in one transaction.

    Returns how many were folded and the highest id among them.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        if _postgres():
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [_ROLLUP_LOCK])
            # A batch's grouping fits in memory; compiling it each time costs more than it saves.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(_PG_FOLD, [claim_from, batch_size])
            claimed, highest, _hours, _days = cursor.fetchone()
            return claimed, highest
        _take_sqlite_write_lock(cursor)
        cursor.execute(
            f"SELECT event_id FROM {_PENDING} ORDER BY event_id LIMIT 1 OFFSET %s",
            [batch_size - 1],
        )
        row = cursor.fetchone()
        if row is None:
            cursor.execute(f"SELECT MAX(event_id) FROM {_PENDING}")
            row = cursor.fetchone()
        cutoff = row[0]
        if cutoff is None:
            return 0, None
        for table, key, bucket in _SQLITE_TARGETS:
            cursor.execute(
                f"INSERT INTO {table} ({key}, quantity, cost_micros, events) "
                + _SQLITE_SUMS.format(bucket=bucket)
                + f" FROM {_PENDING} p JOIN {_EVENT} e ON e.id = p.event_id"
                " WHERE p.event_id <= %s GROUP BY 1, 2, 3, 4, 5, 6, 7"
                + _UPSERT_TAIL.format(key=key, table=table),
                [cutoff],
            )
        cursor.execute(f"DELETE FROM {_PENDING} WHERE event_id <= %s", [cutoff])
        return cursor.rowcount, cutoff


# The claim's low-water mark (PostgreSQL). A mark is taken at the end of a pass
# that left nothing behind (the highest id it folded, plus one) and used once
# CLAIM_SETTLE_SECONDS have passed: any event with a smaller id was then in a
# transaction that has long committed or rolled back (ingest transactions last
# well under a second). Whatever still slips below it (a fold rolled back, a
# very slow producer) is folded by the sweep, which every SWEEP_SECONDS
# vacuums the small pending table and claims from its first id.
CLAIM_SETTLE_SECONDS = 60
SWEEP_SECONDS = 300


def _pass_start(now) -> int:
    """The id this pass claims from: the mark, or 0 for a sweep (after a VACUUM when it may)."""
    state, _ = AggregationState.objects.get_or_create(pk=1)
    if state.swept_at is not None and (now - state.swept_at).total_seconds() < SWEEP_SECONDS:
        return state.claim_from
    if not connection.in_atomic_block:
        with connection.cursor() as cursor:
            # Dead index entries of folded events go; the table stays a few pages.
            cursor.execute(f"VACUUM {_PENDING}")
    AggregationState.objects.filter(pk=1).update(swept_at=now)
    return 0


def _move_mark(state: AggregationState, *, highest: int | None, now) -> None:
    """Promote a settled mark and take a new one from this pass's highest folded id."""
    next_mark, taken_at = state.claim_next, state.claim_next_at
    if (
        next_mark is not None
        and taken_at is not None
        and (now - taken_at).total_seconds() >= CLAIM_SETTLE_SECONDS
    ):
        state.claim_from = max(state.claim_from, next_mark)
        state.claim_next = state.claim_next_at = None
    if state.claim_next is None and highest is not None and highest + 1 > state.claim_from:
        state.claim_next, state.claim_next_at = highest + 1, now


def usage_aggregate(
    *, batch_size: int = AGGREGATION_BATCH, max_batches: int = 1000, now=None
) -> int:
    """Fold every pending event into the rollups; return how many were folded.

    When nothing is left behind, store the pass's start as the data's freshness.
    """
    pg = _postgres()
    claim_from = _pass_start(now or timezone.now()) if pg else 0
    folded = 0
    highest: int | None = None
    for _ in range(max_batches):
        started = now or timezone.now()
        for attempt in range(3):
            try:
                count, top = _fold_batch(batch_size, claim_from)
                break
            except DatabaseError:
                # A deadlock or a lock timeout rolled the batch back: its events
                # are pending again. Try once more, then leave them to the next run.
                if attempt == 2:
                    raise
                time.sleep(0.05 * (attempt + 1))
        folded += count
        if top is not None:
            highest = top if highest is None else max(highest, top)
        if count < batch_size:
            with transaction.atomic():
                state, _ = AggregationState.objects.select_for_update().get_or_create(pk=1)
                state.completed_at = started
                if pg:
                    _move_mark(state, highest=highest, now=started)
                state.save()
            break
    return folded


def rollups_rebuild(*, account=None) -> int:
    """Recompute rollups (of one account, or all) from events; equal to the incremental result.

    Only from `raw_events_since()` on: before it retention dropped the raw events,
    and the rollups there are the only record left, kept as they are.
    """
    since = raw_events_since()
    conditions, params = [], []
    if account is not None:
        conditions.append("account_id = %s")
        params.append(account.pk)
    rollup_where = {_ROLLUP: list(conditions), _DAILY: list(conditions)}
    event_conditions = [f"e.{c}" for c in conditions]
    if since is not None:
        # `since` is a month's start, so whole days and hours on either side.
        rollup_where[_ROLLUP].append("hour >= %s")
        rollup_where[_DAILY].append("day >= %s")
        event_conditions.append("e.occurred_at >= %s")
        params.append(since)

    def where(items):
        return ("WHERE " + " AND ".join(items)) if items else ""

    sums_where = where(event_conditions)
    pg = _postgres()
    outer = connection.in_atomic_block
    with connection.cursor() as cursor:
        if pg:
            # Alone: no aggregation pass runs while rollups are rebuilt.
            cursor.execute("SELECT pg_advisory_lock(%s)", [_ROLLUP_LOCK])
        try:
            with transaction.atomic():
                if pg:
                    if not outer:
                        # One snapshot for all the statements: an event committed
                        # meanwhile stays pending and is folded by the next pass.
                        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    buckets = [
                        "date_trunc('hour', e.occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
                        "date_trunc('day', e.occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
                    ]
                else:
                    _take_sqlite_write_lock(cursor)
                    buckets = [
                        f"strftime('{fmt}', e.occurred_at)" for _t, _k, fmt in _SQLITE_TARGETS
                    ]
                cursor.execute(f"DELETE FROM {_ROLLUP} {where(rollup_where[_ROLLUP])}", params)
                cursor.execute(f"DELETE FROM {_DAILY} {where(rollup_where[_DAILY])}", params)
                cursor.execute(
                    f"DELETE FROM {_PENDING} WHERE event_id IN "
                    f"(SELECT e.id FROM {_EVENT} e {sums_where})",
                    params,
                )
                rows = 0
                for (table, key), bucket in zip(
                    [(_ROLLUP, _ROLLUP_KEY), (_DAILY, _DAILY_KEY)], buckets, strict=True
                ):
                    cursor.execute(
                        f"INSERT INTO {table} ({key}, quantity, cost_micros, events) "
                        f"SELECT e.account_id, {bucket}, COALESCE(e.project_id, 0), "
                        "COALESCE(e.api_key_id, 0), e.product, e.model, e.unit, "
                        "SUM(e.quantity), SUM(e.cost_micros), COUNT(*) "
                        f"FROM {_EVENT} e {sums_where} GROUP BY 1, 2, 3, 4, 5, 6, 7",
                        params,
                    )
                    rows = rows or cursor.rowcount
                return rows
        finally:
            if pg:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_ROLLUP_LOCK])


# Streaming sessions ----------------------------------------------------------


def streaming_session_open(
    *, project, api_key=None, model: str, opened_at=None
) -> StreamingSession:
    """Open a session; it records nothing until it closes (U3)."""
    if model not in pricing.PRODUCT_MODELS[pricing.STREAMING]:
        known = ", ".join(pricing.PRODUCT_MODELS[pricing.STREAMING])
        raise ValidationError({"model": f"Unknown streaming model {model!r}: use one of {known}."})
    if api_key is not None and api_key.project_id != project.pk:
        raise ValidationError({"api_key_id": "This API key belongs to another project."})
    return StreamingSession.objects.create(
        account_id=project.account_id,
        project=project,
        api_key=api_key,
        model=model,
        opened_at=opened_at or timezone.now(),
    )


def _close(session: StreamingSession, *, closed_at, seconds: int, by_timeout: bool) -> None:
    session.closed_at = closed_at
    session.billed_seconds = seconds
    session.closed_by_timeout = by_timeout
    session.save(update_fields=["closed_at", "billed_seconds", "closed_by_timeout"])
    usage_events_record(
        events=[
            NewUsageEvent(
                account_id=session.account_id,
                project_id=session.project_id,
                api_key_id=session.api_key_id,
                product=pricing.STREAMING,
                model=session.model,
                quantity=seconds,
                occurred_at=closed_at,
                idempotency_key=f"streaming:{session.pk}",
                metadata={"opened_at": session.opened_at.isoformat()},
                reservation_id=str(session.reservation_id) if session.reservation_id else None,
            )
        ]
    )


@transaction.atomic
def streaming_session_close(*, session: StreamingSession, closed_at=None) -> StreamingSession:
    """Close a session and record its duration (at most 3 hours); closing twice changes nothing."""
    session = StreamingSession.objects.select_for_update().get(pk=session.pk)
    if session.closed_at is not None:
        return session
    closed_at = closed_at or timezone.now()
    elapsed = max(timedelta(0), closed_at - session.opened_at)
    seconds = min(math.ceil(elapsed.total_seconds()), STREAMING_MAX_SECONDS)
    _close(session, closed_at=closed_at, seconds=seconds, by_timeout=False)
    return session


def streaming_sessions_expire(*, now=None) -> int:
    """Close sessions open longer than 3 hours, billed 3 hours (the reference's rule)."""
    now = now or timezone.now()
    with transaction.atomic():
        stale = list(
            StreamingSession.objects.select_for_update(skip_locked=True).filter(
                closed_at__isnull=True, opened_at__lt=now - timedelta(seconds=STREAMING_MAX_SECONDS)
            )
        )
        for session in stale:
            _close(session, closed_at=now, seconds=STREAMING_MAX_SECONDS, by_timeout=True)
    return len(stale)
