"""Exactly-once folding of events into hourly rollups (DESIGN: data never lost or miscounted)."""

import threading
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import Count, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Account
from projects.models import Project
from reporting.models import (
    AggregationState,
    PendingUsage,
    UsageEvent,
    UsageEventKey,
    UsageRollup,
    UsageRollupDaily,
)
from reporting.usage.services import (
    _PG_FOLD,
    rollups_rebuild,
    usage_aggregate,
    usage_events_record,
)
from reporting.usage.values import NewUsageEvent

BASE = datetime(2026, 6, 1, tzinfo=UTC)
COMBOS = [
    ("speech_to_text", "best", None),
    ("speech_to_text", "nano", None),
    ("streaming", "universal-streaming", None),
    ("llm_gateway", "gpt-4.1", "input_token"),
    ("llm_gateway", "gpt-4.1", "output_token"),
]


def expected_sums(trunc=None):
    """Sums straight from the events, keyed like the rollups (hourly, or by `trunc`)."""
    from django.db.models.functions import TruncHour

    rows = (
        UsageEvent.objects.annotate(h=(trunc or TruncHour)("occurred_at"))
        .values("account_id", "h", "project_id", "api_key_id", "product", "model", "unit")
        .annotate(q=Sum("quantity"), c=Sum("cost_micros"), n=Count("id"))
    )
    return {
        (
            r["account_id"],
            r["h"],
            r["project_id"] or 0,
            r["api_key_id"] or 0,
            r["product"],
            r["model"],
            r["unit"],
        ): (r["q"], r["c"], r["n"])
        for r in rows
    }


def daily_sums():
    return {
        (r.account_id, r.day, r.project_id, r.api_key_id, r.product, r.model, r.unit): (
            r.quantity,
            r.cost_micros,
            r.events,
        )
        for r in UsageRollupDaily.objects.all()
    }


def assert_rollups_match_events():
    from django.db.models.functions import TruncDay

    assert rollup_sums() == expected_sums()
    assert daily_sums() == expected_sums(TruncDay)


def rollup_sums():
    return {
        (r.account_id, r.hour, r.project_id, r.api_key_id, r.product, r.model, r.unit): (
            r.quantity,
            r.cost_micros,
            r.events,
        )
        for r in UsageRollup.objects.all()
    }


def make_events(account_ids, specs, key_prefix="e", projects=None):
    """Events from (account, combo, quantity, minute, key) specs; `projects[account]` to vary projects."""
    return [
        NewUsageEvent(
            account_id=account_ids[a],
            project_id=projects[a][k % len(projects[a])] if projects else None,
            product=COMBOS[c][0],
            model=COMBOS[c][1],
            unit=COMBOS[c][2],
            quantity=q,
            occurred_at=BASE + timedelta(minutes=m),
            idempotency_key=f"{key_prefix}:{k}",
        )
        for a, c, q, m, k in specs
    ]


event_spec = st.tuples(
    st.integers(0, 1),  # account
    st.integers(0, len(COMBOS) - 1),
    st.integers(0, 100_000),  # quantity
    st.integers(0, 60 * 30),  # minutes after BASE: ~30 hourly buckets
    st.integers(0, 60),  # idempotency key from a small pool: replays happen
)


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    batches=st.lists(st.lists(event_spec, max_size=25), min_size=1, max_size=6),
    batch_size=st.integers(1, 30),
)
def test_rollups_equal_the_sums_over_events(batches, batch_size):
    UsageEvent.objects.all().delete()
    UsageEventKey.objects.all().delete()
    UsageRollup.objects.all().delete()
    UsageRollupDaily.objects.all().delete()
    PendingUsage.objects.all().delete()
    accounts = [Account.objects.get_or_create(name=f"Property {i}")[0] for i in range(2)]
    projects = [
        [None] + [Project.objects.get_or_create(account=a, name=f"P{n}")[0].pk for n in range(2)]
        for a in accounts
    ]
    accounts = [a.pk for a in accounts]
    for specs in batches:
        usage_events_record(events=make_events(accounts, specs, projects=projects))
        usage_aggregate(batch_size=batch_size)
    assert not PendingUsage.objects.exists()
    assert_rollups_match_events()
    assert UsageEvent.objects.count() == len({s[4] for b in batches for s in b})
    # Again: nothing changes.
    before = rollup_sums()
    assert usage_aggregate(batch_size=batch_size) == 0
    assert rollup_sums() == before
    # A rebuild from events gives the same rollups.
    rollups_rebuild()
    assert rollup_sums() == before
    assert_rollups_match_events()


def _record_many(n, prefix="t"):
    account = Account.objects.create(name=f"Threads {prefix}")
    specs = [(0, i % len(COMBOS), i, i % 600, i) for i in range(n)]
    for start in range(0, n, 500):
        usage_events_record(events=make_events([account.pk], specs[start : start + 500], prefix))
    return account


def _in_thread(fn, *args, **kwargs):
    def run():
        try:
            fn(*args, **kwargs)
        finally:
            connections.close_all()

    return threading.Thread(target=run)


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_count_every_event_once():
    _record_many(3000)
    barrier = threading.Barrier(2)
    folded = []

    def worker():
        barrier.wait()
        folded.append(usage_aggregate(batch_size=97))

    threads = [_in_thread(worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(folded) == 3000
    assert not PendingUsage.objects.exists()
    assert_rollups_match_events()


@pytest.mark.django_db(transaction=True)
def test_two_workers_while_events_keep_arriving():
    account = Account.objects.create(name="Arriving")
    stop = threading.Event()

    def producer():
        for i in range(20):
            specs = [(0, j % len(COMBOS), j + 1, (i * 7 + j) % 300, f"{i}-{j}") for j in range(100)]
            usage_events_record(events=make_events([account.pk], specs, "arriving"))
        stop.set()

    def worker():
        while not stop.is_set():
            usage_aggregate(batch_size=150)

    threads = [_in_thread(producer), _in_thread(worker), _in_thread(worker)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    usage_aggregate()
    assert UsageRollup.objects.aggregate(n=Sum("events"))["n"] == 2000
    assert_rollups_match_events()


@pytest.mark.django_db(transaction=True)
def test_an_event_committed_late_is_still_counted_once():
    account = Account.objects.create(name="Late")
    inserted, release = threading.Event(), threading.Event()

    def slow_producer():
        from django.db import transaction

        with transaction.atomic():
            # Takes its id first, commits last.
            usage_events_record(events=make_events([account.pk], [(0, 0, 100, 5, "late")]))
            inserted.set()
            release.wait(10)

    slow = _in_thread(slow_producer)
    slow.start()
    inserted.wait(10)
    usage_events_record(events=make_events([account.pk], [(0, 0, 7, 5, "early")]))
    assert usage_aggregate() == 1
    release.set()
    slow.join()
    assert usage_aggregate() == 1
    assert_rollups_match_events()
    assert UsageRollup.objects.get().quantity == 107


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_and_doubles_nothing():
    _record_many(500, "killed")
    params = connection.get_connection_params()
    victim = psycopg.connect(
        dbname=connection.settings_dict["NAME"],
        host=params.get("host"),
        port=params.get("port"),
        user=params.get("user"),
    )
    victim.execute(_PG_FOLD, [0, 200])  # claimed and upserted, not committed
    pid = victim.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    victim.close()
    assert PendingUsage.objects.count() == 500
    assert not UsageRollup.objects.exists()
    assert usage_aggregate(batch_size=64) == 500
    assert_rollups_match_events()


@pytest.mark.django_db
def test_rebuild_of_one_account_equals_the_incremental_result(usage_world, record):
    for i in range(30):
        record(
            account=usage_world.account,
            project=usage_world.production,
            api_key=usage_world.prod_key,
            quantity=i * 10,
            occurred_at=BASE + timedelta(minutes=17 * i),
        )
        record(
            account=usage_world.other_account,
            project=usage_world.other_project,
            quantity=i,
            occurred_at=BASE + timedelta(minutes=13 * i),
        )
    usage_aggregate(batch_size=7)
    incremental = rollup_sums()
    # Pending events of the account are folded by the rebuild, not twice.
    record(account=usage_world.account, quantity=5, occurred_at=BASE)
    call_command("rebuild_rollups", f"--account={usage_world.account.pk}")
    assert usage_aggregate() == 0
    assert_rollups_match_events()
    incremental_other = {
        k: v for k, v in incremental.items() if k[0] == usage_world.other_account.pk
    }
    assert {
        k: v for k, v in rollup_sums().items() if k[0] == usage_world.other_account.pk
    } == incremental_other


@pytest.mark.django_db
def test_the_pass_records_when_it_caught_up(usage_world, record):
    assert not AggregationState.objects.exists()
    record(account=usage_world.account)
    from reporting.tasks import aggregate_usage

    assert aggregate_usage.apply().get() == 1
    state = AggregationState.objects.get()
    assert datetime.now(UTC) - state.completed_at < timedelta(seconds=30)


def test_the_beat_schedule_runs_aggregation_every_few_seconds(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["usage-aggregate"]
    assert entry["task"] == "reporting.tasks.aggregate_usage"
    assert entry["schedule"] <= 30
