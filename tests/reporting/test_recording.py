from decimal import Decimal

import pytest

from reporting import pricing
from reporting.models import PendingUsage, UsageEvent
from reporting.usage.services import usage_events_record
from reporting.usage.values import NewUsageEvent, UsageBatchError
from tests.reporting.support import hours_ago


def test_cost_is_computed_once_in_micro_dollars_and_stored(usage_world, record):
    event, created = record(
        account=usage_world.account,
        project=usage_world.production,
        api_key=usage_world.prod_key,
        model="best",
        quantity=3600,
    )
    assert created
    assert event.cost_micros == 370_000  # $0.37 per audio hour
    assert event.quantity == 3600
    assert event.project_id == usage_world.production.pk
    assert PendingUsage.objects.filter(event_id=event.pk).exists()


def test_fractional_seconds_are_billed_as_whole_seconds_without_floats(usage_world, record):
    event, _ = record(account=usage_world.account, model="pocketsphinx", quantity=Decimal("10.2"))
    assert event.quantity == 11
    assert event.cost_micros == pricing.cost_micros(
        product="speech_to_text", model="pocketsphinx", unit="second", quantity=11, at=hours_ago(1)
    )


def test_llm_tokens_are_priced_per_direction(usage_world, record):
    inp, _ = record(
        account=usage_world.account,
        product="llm_gateway",
        model="claude-sonnet-4",
        quantity=1_000_000,
    )
    out, _ = record(
        account=usage_world.account,
        product="llm_gateway",
        model="claude-sonnet-4",
        quantity=1_000_000,
        unit="output_token",
    )
    assert (inp.cost_micros, out.cost_micros) == (3_000_000, 15_000_000)


def test_a_replayed_idempotency_key_returns_the_existing_event(usage_world, record):
    first, created = record(account=usage_world.account, key="transcript:abc", quantity=60)
    again, created_again = record(account=usage_world.account, key="transcript:abc", quantity=999)
    assert created and not created_again
    assert again.pk == first.pk and again.quantity == 60
    assert UsageEvent.objects.count() == 1 and PendingUsage.objects.count() == 1


def test_every_model_the_transcripts_use_has_a_price():
    for model in ("best", "nano", "universal", "slam-1", "pocketsphinx"):
        assert pricing.price_for("speech_to_text", model, "second", hours_ago(0)).dollars > 0


def test_a_batch_with_a_foreign_project_records_nothing(usage_world):
    good = NewUsageEvent(
        account_id=usage_world.account.pk,
        product="speech_to_text",
        model="nano",
        quantity=10,
        occurred_at=hours_ago(1),
        idempotency_key="ok",
    )
    bad = NewUsageEvent(
        account_id=usage_world.account.pk,
        project_id=usage_world.other_project.pk,
        product="speech_to_text",
        model="nano",
        quantity=10,
        occurred_at=hours_ago(1),
        idempotency_key="bad",
    )
    with pytest.raises(UsageBatchError) as caught:
        usage_events_record(events=[good, bad])
    assert caught.value.errors == [
        {"index": 1, "field": "project_id", "message": "No such project in this account."}
    ]
    assert not UsageEvent.objects.exists()


def test_unknown_model_is_a_clear_error(usage_world):
    event = NewUsageEvent(
        account_id=usage_world.account.pk,
        product="streaming",
        model="nope",
        quantity=10,
        occurred_at=hours_ago(1),
        idempotency_key="x",
    )
    with pytest.raises(UsageBatchError) as caught:
        usage_events_record(events=[event])
    assert caught.value.errors[0]["field"] == "model"
    assert "universal-streaming" in caught.value.errors[0]["message"]


def test_deleting_the_account_deletes_its_usage(usage_world, record):
    from reporting.usage.services import usage_aggregate

    record(account=usage_world.account, project=usage_world.production)
    record(account=usage_world.other_account, project=usage_world.other_project)
    usage_aggregate()
    usage_world.account.delete()
    assert list(UsageEvent.objects.values_list("account_id", flat=True)) == [
        usage_world.other_account.pk
    ]


def test_simulate_usage_records_through_the_service_and_a_seed_repeats_nothing(usage_world):
    from django.core.management import call_command

    call_command(
        "simulate_usage",
        "--events=120",
        "--accounts=1",
        "--days=3",
        "--seed=7",
        f"--account={usage_world.account.pk}",
    )
    assert UsageEvent.objects.filter(account=usage_world.account).count() == 120
    assert PendingUsage.objects.count() == 120
    call_command(
        "simulate_usage",
        "--events=120",
        "--days=3",
        "--seed=7",
        f"--account={usage_world.account.pk}",
    )
    assert UsageEvent.objects.count() == 120
    keys = set(UsageEvent.objects.values_list("api_key_id", flat=True))
    assert keys == {usage_world.prod_key.pk, usage_world.staging_key.pk}
