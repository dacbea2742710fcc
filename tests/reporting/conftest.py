"""Projects, keys and a small recorder for the reporting tests."""

import itertools
from dataclasses import dataclass

import pytest

from projects.models import Project
from reporting.usage.services import usage_event_record
from tests.reporting.support import hours_ago, make_key


@dataclass
class UsageWorld:
    account: object
    production: object
    staging: object
    prod_key: object
    staging_key: object
    other_account: object
    other_project: object
    other_key: object


@pytest.fixture
def usage_world(team):
    production = Project.objects.create(account=team.account, name="Production")
    staging = Project.objects.create(account=team.account, name="Staging")
    other_project = Project.objects.create(account=team.outsider_account, name="Their project")
    return UsageWorld(
        account=team.account,
        production=production,
        staging=staging,
        prod_key=make_key(production, "Prod key"),
        staging_key=make_key(staging, "Staging key"),
        other_account=team.outsider_account,
        other_project=other_project,
        other_key=make_key(other_project, "Their key"),
    )


@pytest.fixture
def record():
    """Record one event through the service, with sensible defaults."""
    counter = itertools.count(1)

    def _record(
        *,
        account,
        project=None,
        api_key=None,
        product="speech_to_text",
        model="best",
        quantity=3600,
        occurred_at=None,
        key=None,
        unit=None,
    ):
        return usage_event_record(
            account=account,
            project=project,
            api_key=api_key,
            product=product,
            model=model,
            quantity=quantity,
            occurred_at=occurred_at or hours_ago(2),
            idempotency_key=key or f"test:{next(counter)}",
            unit=unit,
        )

    return _record
