"""Reporting benchmark on PostgreSQL: aggregation, catch-up, report time, ingest over HTTP.

    .venv/bin/python benchmarks/reporting.py [--events 10000000] [--write-readme]

Uses its own database (`console_bench` unless BENCH_DATABASE_URL says otherwise).
The events are generated once with set-based SQL (generate_series) and reused by
later runs; every run resets the rollups (all events pending again) and then
measures everything in one go. Figures go to stdout and, with --write-readme,
into benchmarks/README.md.
"""

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/console_bench")
os.environ["DATABASE_URL"] = BENCH_DB
os.environ.setdefault("SECRET_KEY", "benchmark")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SECURE_COOKIES", "false")
os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("INTERNAL_SERVICE_TOKEN", "bench-service-token")

MAIN_ACCOUNT = "Bench main"
PROJECTS = 8
KEYS_PER_PROJECT = 2
NOISE_ACCOUNTS = 20
DAYS = 30
CHUNK = 1_000_000
# The ingest server as the README's Deploy section runs it, and as many clients.
INGEST_WORKERS = 3
INGEST_CLIENTS = 3


def _ensure_database():
    import psycopg

    name = BENCH_DB.rsplit("/", 1)[1]
    admin = BENCH_DB.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _setup_django():
    _ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _world():
    """The main account (8 projects x 2 keys, an Owner) and 20 noise accounts."""
    from accounts.models import Account, Membership, User
    from accounts.permissions import Role
    from apikeys.models import ApiKey
    from projects.models import Project

    def account_with(name, owner_email, projects, keys_per_project):
        account = Account.objects.filter(name=name).first() or Account.objects.create(
            name=name, plan="enterprise"
        )
        user, _ = User.objects.get_or_create(email=owner_email)
        Membership.objects.get_or_create(account=account, user=user, defaults={"role": Role.OWNER})
        project_ids, key_ids = [], []
        for p in range(projects):
            project, _ = Project.objects.get_or_create(account=account, name=f"project-{p}")
            project_ids.append(project.pk)
            for k in range(keys_per_project):
                key, _ = ApiKey.objects.get_or_create(
                    project=project,
                    name=f"key-{p}-{k}",
                    defaults={"prefix": "bench", "digest": f"bench-{account.pk}-{p}-{k}"},
                )
                key_ids.append(key.pk)
        return account, user, project_ids, key_ids

    main = account_with(MAIN_ACCOUNT, "owner@bench.test", PROJECTS, KEYS_PER_PROJECT)
    noise = [
        account_with(f"Bench noise {i}", f"noise{i}@bench.test", 1, 1)
        for i in range(NOISE_ACCOUNTS)
    ]
    return main, noise


def _combos_sql():
    """(i, product, model, unit, micro-dollars per unit, min quantity, quantity span)."""
    from reporting import pricing

    chosen = [
        (pricing.SPEECH_TO_TEXT, "best", pricing.SECOND, 30, 3600),
        (pricing.SPEECH_TO_TEXT, "universal", pricing.SECOND, 30, 3600),
        (pricing.SPEECH_TO_TEXT, "nano", pricing.SECOND, 30, 3600),
        (pricing.SPEECH_TO_TEXT, "slam-1", pricing.SECOND, 30, 3600),
        (pricing.STREAMING, "universal-streaming", pricing.SECOND, 60, 7200),
        (pricing.LLM_GATEWAY, "claude-sonnet-4", pricing.INPUT_TOKEN, 100, 20000),
        (pricing.LLM_GATEWAY, "claude-sonnet-4", pricing.OUTPUT_TOKEN, 50, 4000),
        (pricing.LLM_GATEWAY, "gpt-4.1", pricing.INPUT_TOKEN, 100, 20000),
        (pricing.LLM_GATEWAY, "gpt-4.1", pricing.OUTPUT_TOKEN, 50, 4000),
    ]
    rows = []
    for i, (product, model, unit, qmin, qspan) in enumerate(chosen):
        price = pricing.price_for(product, model, unit, datetime.now(UTC))
        rows.append(
            f"({i}, {pricing.PRODUCT_IDS[product]}, '{model}', {pricing.UNIT_IDS[unit]}, "
            f"{price.micros_per_unit}::numeric, {qmin}, {qspan})"
        )
    return len(chosen), "VALUES " + ", ".join(rows)


def _generate(lo, hi, *, main, noise, start, span, first, count, prefix="bench"):
    """Insert events lo..hi (and their pending rows) with one set-based statement.

    Event g of `count` (numbered from `first`) happens at start + (g - first) / count x span,
    give or take five minutes: recorded roughly in time order, as live usage is.
    """
    from django.db import connection, transaction

    from reporting.models import PendingUsage, UsageEvent, UsageEventKey

    n_combos, combos = _combos_sql()
    _, _, main_projects, main_keys = main
    sql = f"""
    WITH combos(i, product, model, unit, micros, qmin, qspan) AS ({combos}),
    src AS (
        SELECT g, (g * 2654435761) %% 4294967291 AS h FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) g
    ),
    rows AS (
        SELECT g, h, c.*,
               c.qmin + (h / 16) %% c.qspan AS q,
               %(start)s::timestamptz
                 + ((g - %(first)s) * %(span)s / %(count)s + (h / 7) %% 600 - 300) * interval '1 second' AS t,
               (g %% 10 = 0) AS is_noise
        FROM src JOIN combos c ON c.i = (h / 64) %% {n_combos}
    ),
    ins AS (
        INSERT INTO {UsageEvent._meta.db_table}
            (account_id, project_id, api_key_id, product, model, unit, quantity, cost_micros,
             occurred_at, recorded_at, idempotency_key, metadata)
        SELECT
            CASE WHEN is_noise THEN (%(noise_accounts)s::bigint[])[1 + h %% {NOISE_ACCOUNTS}] ELSE %(main)s END,
            CASE WHEN is_noise THEN (%(noise_projects)s::bigint[])[1 + h %% {NOISE_ACCOUNTS}]
                 ELSE (%(projects)s::bigint[])[1 + h %% {PROJECTS}] END,
            CASE WHEN is_noise THEN (%(noise_keys)s::bigint[])[1 + h %% {NOISE_ACCOUNTS}]
                 ELSE (%(keys)s::bigint[])[1 + (h %% {PROJECTS}) * {KEYS_PER_PROJECT} + (h / 8) %% {KEYS_PER_PROJECT}] END,
            product, model, unit, q, round(q * micros)::bigint, t, t, %(prefix)s || g, NULL
        FROM rows
        RETURNING id, occurred_at, idempotency_key
    ),
    keys AS (
        INSERT INTO {UsageEventKey._meta.db_table} (idempotency_key, event_id, occurred_at)
        SELECT idempotency_key, id, occurred_at FROM ins
    )
    INSERT INTO {PendingUsage._meta.db_table} (event_id, occurred_at) SELECT id, occurred_at FROM ins
    """
    params = {
        "lo": lo,
        "hi": hi,
        "start": start,
        "span": span,
        "first": first,
        "count": count,
        "main": main[0].pk,
        "projects": main_projects,
        "keys": main_keys,
        "noise_accounts": [n[0].pk for n in noise],
        "noise_projects": [n[2][0] for n in noise],
        "noise_keys": [n[3][0] for n in noise],
        "prefix": f"{prefix}:",
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def load(events, main, noise, regenerate=False):
    """Generate the events unless this database already holds them."""
    from reporting.models import UsageEvent

    have = UsageEvent.objects.filter(idempotency_key__startswith="bench:").count()
    if have == events and not regenerate:
        print(f"reusing {have:,} generated events", flush=True)
        return None
    _sql(
        "TRUNCATE reporting_usageevent, reporting_pendingusage, reporting_usagerollup,"
        " reporting_usagerollupdaily, reporting_usageeventkey"
    )
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=DAYS)
    ensure_partitions(start - timedelta(minutes=10))
    began = time.perf_counter()
    # A bulk load of rows built from the ids above: the foreign-key triggers are
    # off while it runs (superuser only; this database is the benchmark's own).
    _sql("ALTER TABLE reporting_usageevent DISABLE TRIGGER ALL")
    try:
        for lo in range(1, events + 1, CHUNK):
            hi = min(lo + CHUNK - 1, events)
            _generate(
                lo,
                hi,
                main=main,
                noise=noise,
                start=start,
                span=DAYS * 86400,
                first=1,
                count=events,
            )
            print(f"generated {hi:,} events ({time.perf_counter() - began:.0f} s)", flush=True)
    finally:
        _sql("ALTER TABLE reporting_usageevent ENABLE TRIGGER ALL")
    _sql("VACUUM ANALYZE reporting_usageevent")
    return time.perf_counter() - began


def ensure_partitions(since):
    """Monthly partitions (PostgreSQL) from `since`'s month to the months made ahead."""
    from django.db import connection, transaction

    from reporting.usage.retention import (
        add_months,
        create_month_partition,
        event_partitions,
        is_partitioned,
        month_start,
        usage_partitions_ensure,
    )

    usage_partitions_ensure()
    with transaction.atomic(), connection.cursor() as cursor:
        if not is_partitioned(cursor):
            return
        have = set(event_partitions(cursor))
        month = month_start(since)
        while month < month_start(datetime.now(UTC)):
            if month not in have:
                create_month_partition(cursor, month)
            month = add_months(month, 1)


def _sql(query, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params or [])
        return cursor.fetchall() if cursor.description else None


def reset():
    """Every event pending again, no rollups, none of a previous run's extra events."""
    from django.db import transaction

    with transaction.atomic():
        _sql("DELETE FROM reporting_usageevent WHERE idempotency_key NOT LIKE 'bench:%%'")
        _sql("DELETE FROM reporting_usageeventkey WHERE idempotency_key NOT LIKE 'bench:%%'")
        _sql(
            "TRUNCATE reporting_usagerollup, reporting_usagerollupdaily, reporting_pendingusage,"
            " reporting_aggregationstate"
        )
        _sql(
            "INSERT INTO reporting_pendingusage (event_id, occurred_at)"
            " SELECT id, occurred_at FROM reporting_usageevent"
        )
    _sql("VACUUM ANALYZE reporting_pendingusage")
    _sql("VACUUM ANALYZE reporting_usageevent")
    _sql("CHECKPOINT")


def _median_ms(fn, runs, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ingest_http(main, batches=60, size=1000, clients=INGEST_CLIENTS, warmup=6):
    """POST `batches` timed batches of `size` events to gunicorn, from `clients` threads.

    `warmup` batches go first, from the same threads, so that every worker has
    its database connection and imports before the clock starts.
    """
    import http.client

    port = _free_port()
    env = {**os.environ, "DEBUG": "false", "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi",
            "-w",
            str(INGEST_WORKERS),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        account, _user, projects, keys = main
        now = datetime.now(UTC).replace(microsecond=0)
        bodies = []
        for b in range(warmup + batches):
            events = [
                {
                    "idempotency_key": f"ingest:{b}:{i}",
                    "account_id": account.pk,
                    "project_id": projects[i % len(projects)],
                    "api_key_id": keys[(i % len(projects)) * KEYS_PER_PROJECT],
                    "product": "speech_to_text",
                    "model": "universal",
                    "quantity": 30 + i,
                    "occurred_at": (now - timedelta(seconds=i)).isoformat(),
                }
                for i in range(size)
            ]
            bodies.append(json.dumps({"events": events}).encode())
        token = os.environ["INTERNAL_SERVICE_TOKEN"]
        failures = []

        def post(body):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request(
                "POST",
                "/internal/usage/events",
                body,
                {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            response = conn.getresponse()
            payload = response.read()
            conn.close()
            if response.status != 200:
                failures.append((response.status, payload[:200]))

        lock = threading.Lock()

        def send_all(queue):
            def worker():
                while True:
                    with lock:
                        if not queue:
                            return
                        body = queue.pop()
                    post(body)

            threads = [threading.Thread(target=worker) for _ in range(clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

        send_all(bodies[:warmup])
        began = time.perf_counter()
        send_all(bodies[warmup:])
        elapsed = time.perf_counter() - began
        if failures:
            raise RuntimeError(f"ingest failures: {failures[:3]}")
        return batches * size / elapsed
    finally:
        server.terminate()
        server.wait(timeout=30)


def _raw_report(account_id, start, end, column):
    """The same answer as the report, straight from the events table."""
    return _sql(
        f"""
        SELECT date_trunc('day', occurred_at AT TIME ZONE 'UTC') AS day, COALESCE({column}, 0),
               COUNT(*), SUM(cost_micros), SUM(quantity) FILTER (WHERE unit = 1),
               SUM(quantity) FILTER (WHERE unit <> 1)
        FROM reporting_usageevent
        WHERE account_id = %s AND occurred_at >= %s AND occurred_at < %s
        GROUP BY 1, 2 ORDER BY 1, 2
        """,
        [account_id, start, end],
    )


def measure(args, main, noise, load_seconds):
    from django.test import Client

    from accounts.middleware import SESSION_KEY
    from reporting.usage import selectors
    from reporting.usage.services import usage_aggregate
    from reporting.usage.values import period_range

    results = {"events": args.events, "load_seconds": load_seconds}
    print("resetting rollups ...", flush=True)
    reset()
    total_events = _sql("SELECT COUNT(*) FROM reporting_pendingusage")[0][0]
    results["total_events"] = total_events

    print("aggregating from empty ...", flush=True)
    began = time.perf_counter()
    folded = usage_aggregate()
    elapsed = time.perf_counter() - began
    assert folded == total_events, (folded, total_events)
    results["fold_seconds"] = elapsed
    results["fold_rate"] = folded / elapsed
    check = _sql(
        "SELECT (SELECT SUM(events) FROM reporting_usagerollup), "
        "(SELECT SUM(cost_micros) FROM reporting_usagerollup), "
        "(SELECT SUM(cost_micros) FROM reporting_usageevent)"
    )[0]
    assert check[0] == total_events and check[1] == check[2], check
    results["rollup_rows"] = _sql("SELECT COUNT(*) FROM reporting_usagerollup")[0][0]
    print(f"  folded {folded:,} in {elapsed:.1f} s", flush=True)

    print("catch-up of 100,000 new events ...", flush=True)
    _generate(
        args.events + 1,
        args.events + 100_000,
        main=main,
        noise=noise,
        start=datetime.now(UTC) - timedelta(hours=1),
        span=3600,
        first=args.events + 1,
        count=100_000,
        prefix="catchup",
    )
    began = time.perf_counter()
    folded = usage_aggregate()
    results["catchup_seconds"] = time.perf_counter() - began
    assert folded == 100_000, folded
    # This server runs with autovacuum off: clean the upserts' dead row versions
    # as a deployment's autovacuum would, so the report reads the table it would.
    _sql("VACUUM ANALYZE reporting_usagerollup")
    _sql("VACUUM ANALYZE reporting_usagerollupdaily")

    account, user, _projects, _keys = main
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = account.pk
    session.save()
    start, end = period_range("30d")
    for group, column in (("project", "project_id"), ("key", "api_key_id")):
        url = f"/reporting/?period=30d&group={group}&granularity=day"

        def page(url=url):
            response = client.get(url)
            assert response.status_code == 200

        results[f"page_{group}_ms"] = _median_ms(page, 20)
        form_filters = _filters(account, group)
        results[f"selector_{group}_ms"] = _median_ms(
            lambda f=form_filters: selectors.usage_report(account=account, filters=f), 20
        )
        results[f"raw_{group}_ms"] = _median_ms(
            lambda c=column: _raw_report(account.pk, start, end, c), 5, warmup=1
        )
        report = selectors.usage_report(account=account, filters=form_filters)
        raw = _raw_report(account.pk, start, end, column)
        assert report.totals["events"] == sum(r[2] for r in raw), "report differs from events"
        print(
            f"  by {group}: page {results[f'page_{group}_ms']:.1f} ms, raw {results[f'raw_{group}_ms']:.0f} ms",
            flush=True,
        )

    print("ingest over HTTP ...", flush=True)
    results["ingest_rate"] = _ingest_http(main)
    print(f"  {results['ingest_rate']:,.0f} events/s", flush=True)
    print(json.dumps(results, indent=2, default=str))
    if args.write_readme:
        write_readme(results)


def _filters(account, group):
    from reporting.usage.forms import DEFAULTS, ReportFilterForm

    form = ReportFilterForm({**DEFAULTS, "period": "30d", "group": group, "granularity": "day"})
    assert form.is_valid(), form.errors
    return form.filters()


def write_readme(r):
    path = ROOT / "benchmarks" / "README.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    begin, finish = "<!-- reporting:begin -->", "<!-- reporting:end -->"
    ratio_p = r["raw_project_ms"] / r["page_project_ms"]
    ratio_k = r["raw_key_ms"] / r["page_key_ms"]
    rows = [
        (
            "Aggregation from empty",
            f"{r['fold_rate']:,.0f} events/s ({r['total_events']:,} events in {r['fold_seconds']:.1f} s)",
            "≥ 100,000 events/s",
        ),
        ("Catch-up, 100,000 new events", f"{r['catchup_seconds']:.2f} s", ""),
        (
            "Report page, 30 days by project (median of 20)",
            f"{r['page_project_ms']:.1f} ms (selector alone {r['selector_project_ms']:.1f} ms)",
            "< 50 ms",
        ),
        (
            "Same answer from the events table (median of 5)",
            f"{r['raw_project_ms']:.0f} ms, **{ratio_p:,.0f}x** slower",
            "≥ 100x",
        ),
        (
            "Report page, 30 days by API key (median of 20)",
            f"{r['page_key_ms']:.1f} ms (selector alone {r['selector_key_ms']:.1f} ms)",
            "< 50 ms",
        ),
        (
            "Same answer from the events table (median of 5)",
            f"{r['raw_key_ms']:.0f} ms, **{ratio_k:,.0f}x** slower",
            "≥ 100x",
        ),
        (
            f"Ingest, 1,000-event batches over HTTP (gunicorn -w {INGEST_WORKERS}, "
            f"{INGEST_CLIENTS} clients)",
            f"{r['ingest_rate']:,.0f} events/s",
            "≥ 20,000 events/s",
        ),
    ]
    table = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)
    section = f"""{begin}
## Reporting (`benchmarks/reporting.py`)

Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} ({os.cpu_count()} cores, PostgreSQL,
shared with other work), `--events {r["events"]:,}`: {r["total_events"]:,} events over {DAYS} days,
90 % for one account ({PROJECTS} projects x {KEYS_PER_PROJECT} keys, 9 product/model/unit
combinations), 10 % for {NOISE_ACCOUNTS} noise accounts; {r["rollup_rows"]:,} hourly rollup rows.

| measure | result | target |
| --- | --- | --- |
{table}

{finish}"""
    if begin in text:
        text = text[: text.index(begin)] + section + text[text.index(finish) + len(finish) :]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--load-only", action="store_true")
    parser.add_argument("--regenerate", action="store_true", help="Generate the events again.")
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()
    _setup_django()
    main_world, noise = _world()
    load_seconds = load(args.events, main_world, noise, regenerate=args.regenerate)
    if args.load_only:
        return
    measure(args, main_world, noise, load_seconds)


if __name__ == "__main__":
    main()
