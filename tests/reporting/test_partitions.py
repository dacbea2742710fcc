"""Months of usage events: monthly partitions made ahead, retention by whole months, the claim's mark."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from reporting.models import AggregationState, PendingUsage, UsageEvent, UsageRollup
from reporting.usage.retention import (
    add_months,
    create_month_partition,
    event_partitions,
    month_start,
    partition_name,
    usage_events_retire,
    usage_partitions_ensure,
)
from reporting.usage.services import (
    CLAIM_SETTLE_SECONDS,
    SWEEP_SECONDS,
    rollups_rebuild,
    usage_aggregate,
)
from reporting.usage.values import UsageBatchError

pytestmark = pytest.mark.django_db


def partitions() -> list:
    with connection.cursor() as cursor:
        return event_partitions(cursor)


def partition_of(event) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tableoid::regclass::text FROM {UsageEvent._meta.db_table} WHERE id = %s",
            [event.pk],
        )
        return cursor.fetchone()[0]


def rollup_total(account) -> int:
    return UsageRollup.objects.for_account(account).aggregate(q=Sum("quantity"))["q"] or 0


def test_events_are_partitioned_by_month_with_months_made_ahead(usage_world, record):
    this_month = month_start(timezone.now())
    ahead = [add_months(this_month, n) for n in range(4)]
    assert set(ahead) <= set(partitions())
    event, _ = record(account=usage_world.account, occurred_at=timezone.now())
    assert partition_of(event) == partition_name(this_month)
    # The beat task's command makes months further ahead, once.
    call_command("usage_partitions", "--ahead", "6")
    assert add_months(this_month, 6) in partitions()
    assert usage_partitions_ensure(ahead=6) == []


def test_a_month_without_a_partition_waits_in_the_default_one_and_moves_in(usage_world, record):
    old_month = add_months(month_start(timezone.now()), -2)
    event, _ = record(account=usage_world.account, occurred_at=old_month + timedelta(days=3))
    assert partition_of(event).endswith("_default")
    with connection.cursor() as cursor:
        create_month_partition(cursor, old_month)
    assert partition_of(event) == partition_name(old_month)
    assert UsageEvent.objects.count() == 1
    assert usage_aggregate() == 1
    assert rollup_total(usage_world.account) == 3600


def test_retention_drops_whole_old_months_and_keeps_rollups(usage_world, record, settings):
    now = timezone.now()
    this_month = month_start(now)
    old_month = add_months(this_month, -3)
    with connection.cursor() as cursor:
        create_month_partition(cursor, old_month)
    record(account=usage_world.account, occurred_at=old_month + timedelta(days=1), key="old")
    record(account=usage_world.account, occurred_at=now - timedelta(minutes=5), key="new")
    usage_aggregate()
    assert rollup_total(usage_world.account) == 7200

    settings.USAGE_EVENT_RETENTION_MONTHS = 2
    retired = usage_events_retire(now=now)
    assert retired.partitions == [partition_name(old_month)]
    assert old_month not in partitions()
    assert list(UsageEvent.objects.values_list("idempotency_key", flat=True)) == ["new"]
    # Reports keep their history: the rollups of the dropped month stay.
    assert rollup_total(usage_world.account) == 7200
    assert AggregationState.objects.get().events_since == add_months(this_month, -2)
    # An event older than the raw events kept is refused, by index and field.
    with pytest.raises(UsageBatchError) as refused:
        record(account=usage_world.account, occurred_at=old_month + timedelta(days=2), key="late")
    assert refused.value.errors[0]["field"] == "occurred_at"
    # A replay of a kept event is still a replay.
    _event, created = record(account=usage_world.account, occurred_at=now, key="new")
    assert not created


def test_rebuild_says_its_range_and_leaves_older_rollups(usage_world, record, settings, capsys):
    now = timezone.now()
    old_month = add_months(month_start(now), -3)
    with connection.cursor() as cursor:
        create_month_partition(cursor, old_month)
    record(account=usage_world.account, occurred_at=old_month + timedelta(days=1), key="old")
    record(account=usage_world.account, occurred_at=now - timedelta(minutes=5), key="new")
    usage_aggregate()
    call_command("rebuild_rollups")
    assert "from all raw events" in capsys.readouterr().out

    settings.USAGE_EVENT_RETENTION_MONTHS = 2
    usage_events_retire(now=now)
    call_command("rebuild_rollups")
    since = add_months(month_start(now), -2)
    assert f"from {since:%Y-%m-%d} 00:00 UTC on" in capsys.readouterr().out
    assert rollup_total(usage_world.account) == 7200
    rollups_rebuild(account=usage_world.account)
    assert rollup_total(usage_world.account) == 7200


def test_the_claim_starts_at_a_settled_mark_and_the_sweep_folds_stragglers(usage_world, record):
    t0 = timezone.now()
    first, _ = record(account=usage_world.account, key="a")
    assert usage_aggregate(now=t0) == 1
    state = AggregationState.objects.get()
    assert (state.claim_from, state.claim_next) == (0, first.pk + 1)
    # Not before the mark has settled.
    second, _ = record(account=usage_world.account, key="b")
    t1 = t0 + timedelta(seconds=CLAIM_SETTLE_SECONDS)
    assert usage_aggregate(now=t1) == 1
    state.refresh_from_db()
    assert state.claim_from == first.pk + 1
    assert state.claim_next == second.pk + 1

    # An event that commits below the mark (a slow producer, a fold rolled back)...
    third, _ = record(account=usage_world.account, key="c")
    AggregationState.objects.filter(pk=1).update(claim_from=third.pk + 1)
    assert usage_aggregate(now=t1 + timedelta(seconds=1)) == 0
    assert PendingUsage.objects.filter(event_id=third.pk).exists()
    # ...is folded by the next sweep, once.
    assert usage_aggregate(now=t0 + timedelta(seconds=SWEEP_SECONDS + 1)) == 1
    assert not PendingUsage.objects.exists()
    assert rollup_total(usage_world.account) == 3 * 3600
