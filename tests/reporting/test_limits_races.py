"""A limit's counter stays exact when usage is recorded while the limit is set (C1)."""

import functools
import threading

import pytest
from django.db import connections, transaction
from django.utils import timezone

from reporting.limits import selectors, services
from reporting.limits.models import SpendLimit
from reporting.usage.services import usage_event_record
from tests.races import _a_query_waits_on_a_lock
from tests.reporting.support import hours_ago

pytestmark = pytest.mark.django_db(transaction=True)

HOUR_OF_BEST = 370_000


@pytest.fixture
def record(record):
    """Usage of this very moment: a limit counts the calendar month's (UTC)."""
    return functools.partial(record, occurred_at=timezone.now())


def test_usage_committed_while_a_limit_is_set_is_counted_once(usage_world, team):
    world = usage_world
    recorded, outcome = threading.Event(), {}

    def record_and_wait():
        try:
            with transaction.atomic():
                usage_event_record(
                    account=world.account,
                    project=world.production,
                    api_key=world.prod_key,
                    product="speech_to_text",
                    model="best",
                    quantity=3600,
                    occurred_at=timezone.now(),
                    idempotency_key="in-flight",
                )
                recorded.set()
                # The limit is being set meanwhile: it must wait for this commit.
                outcome["limit waited"] = _a_query_waits_on_a_lock()
        finally:
            recorded.set()
            connections.close_all()

    recorder = threading.Thread(target=record_and_wait)
    recorder.start()
    assert recorded.wait(10)
    limit = services.spend_limit_set(
        account=team.account, actor=team.owner, amount_micros=10**6, project=world.production
    )
    recorder.join(20)
    assert outcome["limit waited"]
    limit.refresh_from_db()
    assert limit.spent_micros == HOUR_OF_BEST


def test_the_counter_is_the_months_recorded_usage(usage_world, team, record):
    world = usage_world
    limit = services.spend_limit_set(
        account=team.account, actor=team.owner, amount_micros=10**7, api_key=world.prod_key
    )
    record(account=world.account, project=world.production, api_key=world.prod_key, key="a")
    record(account=world.account, project=world.production, api_key=world.prod_key, key="a")
    record(account=world.account, project=world.production, api_key=world.prod_key, key="b")
    record(account=world.account, project=world.staging, api_key=world.staging_key, key="c")
    limit.refresh_from_db()
    truth = selectors.month_spend(
        account_id=world.account.pk,
        project_id=world.production.pk,
        api_key_id=world.prod_key.pk,
        parts="spent",
    )["api_key"].spent
    assert limit.spent_micros == truth == 2 * HOUR_OF_BEST


def test_a_new_month_starts_the_counter_over(usage_world, team, record):
    world = usage_world
    limit = services.spend_limit_set(account=team.account, actor=team.owner, amount_micros=10**6)
    # As it stood at the end of an earlier month: far over.
    last_year = limit.month.replace(year=limit.month.year - 1)
    SpendLimit.objects.filter(pk=limit.pk).update(month=last_year, spent_micros=10**9)
    with transaction.atomic():
        reservation = services.spend_reserve(
            account_id=world.account.pk,
            project_id=world.production.pk,
            api_key_id=None,
            amount_micros=1000,
            kind="authorization",
        )
    assert reservation is not None
    # This month's first usage starts it over; a late event of the old month is no part of it.
    record(account=world.account, project=world.production, occurred_at=timezone.now())
    record(account=world.account, project=world.production, occurred_at=hours_ago(24 * 400))
    limit.refresh_from_db()
    assert (limit.month, limit.spent_micros) == (selectors.month_range()[0].date(), HOUR_OF_BEST)
