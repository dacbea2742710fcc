"""The dashboard brings every app's figures together (R3)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from projects.models import Project
from reporting.usage.services import usage_aggregate, usage_event_record

pytestmark = pytest.mark.django_db


def test_the_dashboard_shows_limits_in_use_and_this_months_spend(team, clients):
    project = Project.objects.create(account=team.account, name="Production")
    Project.objects.create(account=team.outsider_account, name="Theirs")
    usage_event_record(
        account=team.account,
        project=project,
        api_key=None,
        product="llm_gateway",
        model="claude-haiku-4-5",
        unit="output_token",
        quantity=2_000_000,
        occurred_at=timezone.now(),
        idempotency_key="home:1",
    )
    usage_aggregate()
    owner = clients["owner"].get(reverse("home")).content.decode()
    assert 'id="home-projects">1 of 5<' in owner
    assert 'id="home-keys">0 of 25<' in owner
    assert 'id="home-seats">3 of 20 seats<' in owner
    assert 'id="home-spend">$10.00<' in owner  # 2 M output tokens at $5 / M
    assert reverse("reporting:billing") in owner
    # Readers see the same figures but no Billing card (billing is Owner and Admin only).
    reader = clients["reader"].get(reverse("home")).content.decode()
    assert 'id="home-spend">$10.00<' in reader
    assert reverse("reporting:billing") not in reader.split('id="home-cards"')[1]
