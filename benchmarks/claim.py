"""The pending queue's claim after many events, autovacuum off: is it flat?

    .venv/bin/python benchmarks/claim.py [--events 10000000] [--write-readme] [--keep]

Loads events with reporting.py's set-based generator into its own database
(`console_bench_claim`, or BENCH_CLAIM_DATABASE_URL), every one pending; folds
them all with `usage_aggregate()` (monthly partitions: the fold finds each event
in its month); then, with the queue empty and every folded event's row dead in
the pending table and its index, measures the claim: without the low-water mark
(the claim before this change), with the mark, and without the mark after a
VACUUM. The database is dropped at the end unless --keep.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CLAIM_DB = os.environ.get(
    "BENCH_CLAIM_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/console_bench_claim"
)
os.environ["BENCH_DATABASE_URL"] = CLAIM_DB

from benchmarks import reporting as bench  # noqa: E402  (sets the environment first)

# The claim before this change: from the index's first entry.
BEFORE = (
    "SELECT event_id FROM reporting_pendingusage "
    "ORDER BY event_id LIMIT 50000 FOR UPDATE SKIP LOCKED"
)
# As the fold claims (the mark as a sub-select: no planner probe of the index's ends).
CLAIM = (
    "SELECT event_id FROM reporting_pendingusage WHERE event_id >= (SELECT %s::bigint) "
    "ORDER BY event_id LIMIT 50000 FOR UPDATE SKIP LOCKED"
)


def _explain(sql, params):
    """Buffers read and planning + execution time of one claim, rolled back."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        transaction.set_rollback(True)
    top = plan[0]["Plan"]
    planning = plan[0].get("Planning", {})
    buffers = top["Shared Hit Blocks"] + top["Shared Read Blocks"]
    buffers += planning.get("Shared Hit Blocks", 0) + planning.get("Shared Read Blocks", 0)
    return buffers, plan[0]["Planning Time"] + plan[0]["Execution Time"]


def _claims(claim_from=None, runs=9):
    sql, params = (BEFORE, []) if claim_from is None else (CLAIM, [claim_from])
    measured = [_explain(sql, params) for _ in range(runs)]
    return (
        int(statistics.median(b for b, _ in measured)),
        statistics.median(t for _, t in measured),
    )


def _fold_ms(claim_from, runs=21):
    from reporting.usage.services import _fold_batch

    times = []
    for _ in range(runs):
        began = time.perf_counter()
        assert _fold_batch(50_000, claim_from) == (0, None)
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--write-readme", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    bench._setup_django()
    from django.db import connection

    from reporting.models import AggregationState
    from reporting.usage.services import CLAIM_SETTLE_SECONDS, usage_aggregate

    try:
        autovacuum = bench._sql("SHOW autovacuum")[0][0]
        bench._sql("ALTER TABLE reporting_pendingusage SET (autovacuum_enabled = false)")
        main_world, noise = bench._world()
        load_seconds = bench.load(args.events, main_world, noise, regenerate=False)
        bench.reset()
        pending = bench._sql("SELECT COUNT(*) FROM reporting_pendingusage")[0][0]
        print(f"folding {pending:,} pending events ...", flush=True)
        now = datetime.now(UTC)
        began = time.perf_counter()
        folded = usage_aggregate(now=now)
        fold_seconds = time.perf_counter() - began
        assert folded == pending, (folded, pending)
        dead = bench._sql(
            "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'reporting_pendingusage'"
        )[0][0]
        # The next pass, once the mark has settled, claims from it.
        usage_aggregate(now=now + timedelta(seconds=CLAIM_SETTLE_SECONDS + 1))
        mark = AggregationState.objects.get().claim_from
        assert mark > 0
        r = {
            "events": pending,
            "load_seconds": load_seconds,
            "fold_seconds": fold_seconds,
            "fold_rate": folded / fold_seconds,
            "dead": dead,
            "autovacuum": autovacuum,
            "partitions": bench._sql(
                "SELECT COUNT(*) FROM pg_inherits WHERE inhparent = 'reporting_usageevent'::regclass"
            )[0][0],
        }
        print("claiming from the first id (before) ...", flush=True)
        r["old_buffers"], r["old_ms"] = _claims(None)
        r["sweep_fold_ms"] = _fold_ms(0)
        print("claiming from the mark ...", flush=True)
        r["mark_buffers"], r["mark_ms"] = _claims(mark)
        r["mark_fold_ms"] = _fold_ms(mark)
        print("after VACUUM of the pending table ...", flush=True)
        began = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM reporting_pendingusage")
        r["vacuum_ms"] = (time.perf_counter() - began) * 1000
        r["vacuumed_buffers"], r["vacuumed_ms"] = _claims(None)
        print(json.dumps(r, indent=2, default=str))
        if args.write_readme:
            write_readme(r)
    finally:
        if not args.keep:
            drop_database()


def drop_database():
    import psycopg
    from django.db import connections

    connections.close_all()
    name = CLAIM_DB.rsplit("/", 1)[1]
    with psycopg.connect(CLAIM_DB.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"dropped {name}", flush=True)


def write_readme(r):
    path = ROOT / "benchmarks" / "README.md"
    text = path.read_text()
    begin, finish = "<!-- claim:begin -->", "<!-- claim:end -->"
    section = f"""{begin}
## The pending queue's claim (`benchmarks/claim.py`)

Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} (load average
{os.getloadavg()[0]:.1f} when written: other people's work shares these 2 cores; 2 cores, PostgreSQL 15,
autovacuum {r["autovacuum"]}, and off on the pending table): {r["events"]:,} events over
30 days in {r["partitions"]} monthly partitions (plus the default one), all folded by
`usage_aggregate()`, leaving the queue empty and {r["dead"]:,} dead rows in it.

| measure | result | target |
| --- | --- | --- |
| Aggregation from empty, partitioned events | {r["fold_rate"]:,.0f} events/s ({r["events"]:,} in {r["fold_seconds"]:.1f} s) | ≥ 100,000 events/s |
| Claim on the empty queue as before (from the index's first entry), planning + execution, median of 9 | {r["old_buffers"]:,} buffers, {r["old_ms"]:.2f} ms |  |
| Claim on the empty queue from the low-water mark, planning + execution, median of 9 | {r["mark_buffers"]:,} buffers, {r["mark_ms"]:.3f} ms | ≤ 1 ms |
| A whole fold pass on the empty queue (transaction, lock, claim, upserts) from the mark, median of 21 | {r["mark_fold_ms"]:.2f} ms |  |
| The same pass from id 0 (a sweep, were it not vacuumed first), median of 21 | {r["sweep_fold_ms"]:.2f} ms |  |
| `VACUUM` of the pending table with those dead rows (the sweep's, every 5 min at most) | {r["vacuum_ms"]:,.0f} ms |  |
| Claim as before right after that VACUUM | {r["vacuumed_buffers"]:,} buffers, {r["vacuumed_ms"]:.3f} ms |  |

{finish}"""
    if begin in text:
        text = text[: text.index(begin)] + section + text[text.index(finish) + len(finish) :]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)


if __name__ == "__main__":
    main()
