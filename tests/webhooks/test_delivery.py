"""Delivery of account webhooks to a real local receiver: signed, retried, redelivered (C2)."""

import itertools
import json
import re
import socket
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.webhooks.support import make_endpoint
from webhooks import tasks
from webhooks.delivery import delivery_attempt
from webhooks.models import WebhookDelivery
from webhooks.services import event_publish, webhook_redeliver, webhook_test_send
from webhooks.snippet import VERIFY_SNIPPET

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
README = Path(__file__).resolve().parents[2] / "README.md"


def readme_snippet() -> str:
    """The Python block of the README's Webhooks section, exactly as written there."""
    text = README.read_text()
    section = text.split("\n## Webhooks\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 1, "the Webhooks section has one Python block"
    return blocks[0]


def readme_verify():
    namespace: dict = {}
    exec(compile(readme_snippet(), "README.md", "exec"), namespace)
    return namespace["verify"]


def publish(team, **kwargs):
    return event_publish(
        account=team.account,
        event="spend_limit.reached",
        data={"limit": "50.00"},
        text="The monthly spend limit of $50.00 is reached.",
        **kwargs,
    )


def test_a_test_event_reaches_the_receiver_signed_as_the_readme_verifies(
    team, receiver, eager_celery, django_capture_on_commit_callbacks
):
    endpoint, secret = make_endpoint(team, receiver.url("/hook"))
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_test_send(account=team.account, actor=team.admin, endpoint=endpoint)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("succeeded", 200, 1)

    [request] = receiver.received
    header = request.headers["Console-Signature"]
    verify = readme_verify()
    assert verify(secret, request.body, header)
    # Another body, another secret, a stale or missing timestamp: all refused.
    assert not verify(secret, request.body + b" ", header)
    assert not verify("whsec_other", request.body, header)
    stale = re.sub(r"t=\d+", f"t={int(time.time()) - 3600}", header)
    assert not verify(secret, request.body, stale)
    assert not verify(secret, request.body, "v1=abc")

    body = json.loads(request.body)
    assert body["id"] == delivery.event_id and body["id"].startswith("evt_")
    assert body["type"] == "test"
    assert body["account"] == {"id": team.account.pk, "name": "Acme"}
    assert "Acme" in body["text"]
    assert datetime.fromisoformat(body["created_at"]) <= timezone.now()
    assert request.headers["Content-Type"] == "application/json"


def test_the_page_shows_the_readme_snippet():
    assert readme_snippet() == VERIFY_SNIPPET


def test_a_failing_receiver_is_retried_ever_further_apart_then_failed_after_24_hours(
    team, receiver
):
    receiver.routes["/down"] = (500, {}, b"oops")
    _endpoint, _secret = make_endpoint(team, receiver.url("/down"))
    [delivery] = publish(team, now=T0)
    # Not due before its time.
    assert delivery_attempt(delivery_id=delivery.pk, now=T0 - timedelta(seconds=1)) is None

    at, times = T0, []
    while True:
        done = delivery_attempt(delivery_id=delivery.pk, now=at)
        assert done is not None
        times.append(at)
        assert done.response_code == 500 and "HTTP 500" in done.last_error
        if done.status != WebhookDelivery.Status.PENDING:
            break
        # Nothing happens before the next attempt is due.
        assert (
            delivery_attempt(
                delivery_id=delivery.pk, now=done.next_attempt_at - timedelta(seconds=1)
            )
            is None
        )
        at = done.next_attempt_at

    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert gaps[:8] == [60, 120, 240, 480, 960, 1920, 3840, 7680]
    assert all(gap == 4 * 3600 for gap in gaps[8:-1])
    assert times[-1] == T0 + timedelta(hours=24)
    assert done.status == WebhookDelivery.Status.FAILED and done.next_attempt_at is None
    assert done.attempts == len(times) == len(receiver.received) == 14
    assert delivery_attempt(delivery_id=delivery.pk, now=T0 + timedelta(days=3)) is None


def test_a_refused_connection_is_retried_and_a_later_success_ends_it(team, receiver, settings):
    # A port nobody listens on: bound, then released.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint, _secret = make_endpoint(team, f"http://127.0.0.1:{port}/hook")
    [delivery] = publish(team, now=T0)
    first = delivery_attempt(delivery_id=delivery.pk, now=T0)
    assert first.status == "pending" and first.response_code is None
    assert first.last_error == "Could not connect to the server."
    second = delivery_attempt(delivery_id=delivery.pk, now=first.next_attempt_at)
    assert second.next_attempt_at - first.next_attempt_at == timedelta(minutes=2)

    # The receiver comes back (the endpoint moved to it): the next attempt delivers.
    endpoint.url = receiver.url("/hook")
    endpoint.save(update_fields=["url_sealed", "host"])
    third = delivery_attempt(delivery_id=delivery.pk, now=second.next_attempt_at)
    assert (third.status, third.response_code, third.attempts, third.last_error) == (
        "succeeded",
        200,
        3,
        "",
    )


def test_redelivery_sends_the_same_event_again_once_the_first_has_finished(team, receiver):
    receiver.routes["/flaky"] = (503, {}, b"")
    _endpoint, secret = make_endpoint(team, receiver.url("/flaky"))
    [delivery] = publish(team, now=T0)
    assert delivery_attempt(delivery_id=delivery.pk, now=T0).response_code == 503
    with pytest.raises(ValidationError, match="still being tried"):
        webhook_redeliver(account=team.account, actor=team.admin, delivery=delivery)
    # Its 24 hours are over.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", next_attempt_at=None)

    receiver.routes["/flaky"] = (200, {}, b"")
    later = T0 + timedelta(days=2)
    again = webhook_redeliver(account=team.account, actor=team.admin, delivery=delivery, now=later)
    assert again.pk != delivery.pk and again.event_id == delivery.event_id
    done = delivery_attempt(delivery_id=again.pk, now=later)
    assert (done.status, done.response_code, done.attempts) == ("succeeded", 200, 1)
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "failed"
    bodies = [json.loads(r.body) for r in receiver.received]
    assert [b["id"] for b in bodies] == [delivery.event_id] * 2
    # Each attempt is signed afresh, at its own time.
    signatures = [r.headers["Console-Signature"] for r in receiver.received]
    assert signatures[0] != signatures[1]
    verify = readme_verify()
    for request in receiver.received:
        assert verify(secret, request.body, request.headers["Console-Signature"], tolerance=10**9)


def test_the_ssrf_guard_and_the_scheme_are_checked_again_at_delivery(team, receiver, settings):
    _endpoint, _secret = make_endpoint(team, receiver.url("/hook"))
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    [delivery] = publish(team, now=T0)
    refused = delivery_attempt(delivery_id=delivery.pk, now=T0)
    assert refused.status == "failed" and refused.attempts == 1
    assert "network this server does not connect to" in refused.last_error

    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.WEBHOOKS_ALLOW_HTTP = False
    [delivery] = publish(team, now=T0)
    refused = delivery_attempt(delivery_id=delivery.pk, now=T0)
    assert refused.status == "failed" and "https://" in refused.last_error
    assert receiver.received == []


def test_a_queued_attempt_is_made_once_and_a_failure_waits_for_its_time(
    team, receiver, eager_celery, django_capture_on_commit_callbacks
):
    """Eager Celery runs the re-queued attempt at once: it finds nothing due, so no hot loop."""
    receiver.routes["/down"] = (500, {}, b"")
    make_endpoint(team, receiver.url("/down"))
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = publish(team)
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.status == "pending"
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert len(receiver.received) == 1


def test_the_sweep_sends_a_delivery_whose_task_was_lost(team, receiver, eager_celery):
    make_endpoint(team, receiver.url("/hook"))
    # Published without its commit callbacks running: as if the broker had lost the task.
    [delivery] = publish(team, now=timezone.now() - timedelta(minutes=2))
    [fresh] = publish(team)
    assert tasks.deliver_due() == 1
    delivery.refresh_from_db()
    fresh.refresh_from_db()
    assert delivery.status == "succeeded"
    # The fresh one is left to its own task for a grace minute.
    assert fresh.status == "pending" and fresh.attempts == 0
