"""Events from spend alerts, spend limits and key expiry reach the endpoints subscribed (C2)."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from apikeys.models import ApiKey
from apikeys.services import apikey_create, apikey_expiry_notices_send
from projects.models import Project
from reporting.alerts.services import spend_alert_create, spend_alerts_check
from reporting.limits.services import spend_limit_note_refusal, spend_limit_set, spend_reserve
from reporting.limits.values import SpendLimitReached
from tests.reporting.test_alerts import spend
from tests.webhooks.support import make_endpoint
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db

DOLLAR = 1_000_000


def bodies(receiver, path="/hook"):
    return [json.loads(r.body) for r in receiver.received if r.path == path]


def test_a_spend_alert_firing_is_delivered(
    team, receiver, eager_celery, django_capture_on_commit_callbacks
):
    make_endpoint(team, receiver.url("/hook"), events=["spend_alert.fired"])
    receiver.routes["/keys"] = (200, {}, b"")
    make_endpoint(team, receiver.url("/keys"), events=["api_key.expired"])
    spend_alert_create(
        account=team.account, actor=team.admin, scope="account", thresholds=[100 * DOLLAR]
    )
    spend(team.account, 120, "usage", at=datetime(2026, 9, 10, tzinfo=UTC))
    with django_capture_on_commit_callbacks(execute=True):
        assert spend_alerts_check(now=datetime(2026, 9, 12, tzinfo=UTC)) == 1

    [event] = bodies(receiver)
    assert event["type"] == "spend_alert.fired"
    assert event["data"]["threshold"] == "100.00" and event["data"]["period"] == "2026-09"
    assert "text" not in event["data"] and "Acme" in event["text"]
    # The endpoint that did not subscribe got nothing.
    assert bodies(receiver, "/keys") == []
    assert WebhookDelivery.objects.get().status == "succeeded"


def test_a_spend_limit_reached_goes_to_every_enabled_subscribed_endpoint_of_its_account(
    team, receiver, eager_celery, django_capture_on_commit_callbacks
):
    receiver.routes["/second"] = (200, {}, b"")
    receiver.routes["/off"] = (200, {}, b"")
    receiver.routes["/other"] = (200, {}, b"")
    make_endpoint(team, receiver.url("/hook"), events=["spend_limit.reached"])
    make_endpoint(team, receiver.url("/second"))
    make_endpoint(team, receiver.url("/off"), enabled=False)
    make_endpoint(team, receiver.url("/other"), account=team.outsider_account, actor=team.outsider)
    production = Project.objects.create(account=team.account, name="Production")
    spend_limit_set(
        account=team.account, actor=team.owner, project=production, amount_micros=50 * DOLLAR
    )
    # A real refusal: work worth more than the project's limit, then the notice.
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(SpendLimitReached) as refused, transaction.atomic():
            spend_reserve(
                account_id=team.account.pk,
                project_id=production.pk,
                api_key_id=None,
                amount_micros=60 * DOLLAR,
                kind="authorization",
            )
        spend_limit_note_refusal(refused.value)
    received = sorted((r.path, json.loads(r.body)["id"]) for r in receiver.received)
    assert [path for path, _id in received] == ["/hook", "/second"]
    # One event, one id, whichever endpoint it went to.
    assert len({event_id for _path, event_id in received}) == 1
    [event, _same] = bodies(receiver) + bodies(receiver, "/second")
    assert event["type"] == "spend_limit.reached"
    assert event["text"] == (
        "Spend limit for Acme: The monthly spend limit of $50.00 for project Production is reached."
    )
    assert (event["data"]["scope"], event["data"]["amount"], event["data"]["target"]) == (
        "project",
        "50.00",
        "project Production",
    )


def test_key_expiry_notices_are_delivered_without_the_key_secret(
    team, receiver, eager_celery, django_capture_on_commit_callbacks
):
    make_endpoint(team, receiver.url("/hook"), events=["api_key.expiring", "api_key.expired"])
    project = Project.objects.create(account=team.account, name="Production")
    issued = apikey_create(account=team.account, actor=team.owner, project=project, name="CI")
    now = timezone.now()
    ApiKey.objects.filter(pk=issued.api_key.pk).update(expires_at=now + timedelta(days=6))
    with django_capture_on_commit_callbacks(execute=True):
        assert apikey_expiry_notices_send(now=now) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert apikey_expiry_notices_send(now=now + timedelta(days=7)) == 1

    expiring, expired = bodies(receiver)
    assert expiring["type"] == "api_key.expiring" and expiring["data"]["days_left"] == 7
    key = expiring["data"]["api_key"]
    assert key["name"] == "CI" and key["prefix"] == issued.api_key.prefix
    assert key["project"] == {"id": project.pk, "name": "Production"}
    assert "expires in 7 days" in expiring["text"] and "Production" in expiring["text"]
    assert expired["type"] == "api_key.expired" and "has expired" in expired["text"]
    for request in receiver.received:
        assert issued.secret.encode() not in request.body
