"""Realistic usage for the demo and the benchmark, recorded through the same code as real usage."""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from apikeys.models import ApiKey
from reporting import pricing
from reporting.usage.services import usage_events_record
from reporting.usage.values import NewUsageEvent, RecordResult

# (weight, product, model, unit, typical quantity)
MIX = [
    (30, pricing.SPEECH_TO_TEXT, "universal", pricing.SECOND, 600),
    (15, pricing.SPEECH_TO_TEXT, "best", pricing.SECOND, 900),
    (10, pricing.SPEECH_TO_TEXT, "nano", pricing.SECOND, 300),
    (5, pricing.SPEECH_TO_TEXT, "slam-1", pricing.SECOND, 1200),
    (5, pricing.SPEECH_TO_TEXT, "pocketsphinx", pricing.SECOND, 120),
    (12, pricing.STREAMING, "universal-streaming", pricing.SECOND, 1800),
    (8, pricing.LLM_GATEWAY, "claude-sonnet-4", pricing.INPUT_TOKEN, 6000),
    (8, pricing.LLM_GATEWAY, "claude-sonnet-4", pricing.OUTPUT_TOKEN, 800),
    (4, pricing.LLM_GATEWAY, "claude-haiku-4-5", pricing.INPUT_TOKEN, 4000),
    (3, pricing.LLM_GATEWAY, "claude-haiku-4-5", pricing.OUTPUT_TOKEN, 500),
]
# Busier in working hours (UTC) than at night.
HOUR_WEIGHTS = [2, 1, 1, 1, 1, 2, 3, 5, 8, 10, 10, 10, 9, 10, 10, 10, 9, 8, 6, 5, 4, 3, 3, 2]


def _targets(account):
    keys = list(ApiKey.objects.filter(project__account=account).values_list("pk", "project_id"))
    return keys or [(None, None)]


def simulate(
    *, accounts, events: int, days: int, key_prefix: str = "sim", seed=None, batch: int = 1000
) -> RecordResult:
    """Record `events` events spread over the last `days` days among `accounts`."""
    rng = random.Random(seed)
    now = timezone.now()
    targets = [(account, _targets(account)) for account in accounts]
    weights = [m[0] for m in MIX]
    total = RecordResult()
    pending: list[NewUsageEvent] = []
    for i in range(events):
        account, keys = rng.choice(targets)
        api_key_id, project_id = rng.choice(keys)
        _, product, model, unit, typical = rng.choices(MIX, weights=weights)[0]
        day = rng.randrange(days)
        hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        occurred_at = (now - timedelta(days=day)).replace(
            hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0
        )
        if occurred_at > now:
            occurred_at -= timedelta(days=1)
        quantity = max(1, int(rng.expovariate(1 / typical)))
        if product == pricing.SPEECH_TO_TEXT and rng.random() < 0.2:
            quantity = Decimal(quantity) + Decimal(rng.randrange(1, 10)) / 10
        pending.append(
            NewUsageEvent(
                account_id=account.pk,
                project_id=project_id,
                api_key_id=api_key_id,
                product=product,
                model=model,
                unit=unit,
                quantity=quantity,
                occurred_at=occurred_at,
                idempotency_key=f"{key_prefix}:{account.pk}:{i}",
            )
        )
        if len(pending) >= batch:
            _flush(pending, total)
    _flush(pending, total)
    return total


def _flush(pending, total):
    if pending:
        result = usage_events_record(events=pending)
        total.created += result.created
        total.duplicates += result.duplicates
        pending.clear()
