"""Account webhooks through the admin API (C2): the same services, refusals and audit log."""

import pytest

from accounts.models import AuditEvent
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

NEW = {"url": "https://1.1.1.1/hook", "events": ["spend_limit.reached", "api_key.expired"]}


def test_create_shows_the_secret_once_then_lists_update_test_and_redeliver(team, api):
    created = api.post("/webhooks", NEW)
    assert created.status_code == 201, created.content
    body = created.json()
    secret = body["secret"]
    assert secret.startswith("whsec_") and body["secret_prefix"] == secret[:10]
    [listed] = api.get("/webhooks").json()["data"]
    assert "secret" not in listed and listed["events"] == NEW["events"]
    assert secret not in WebhookEndpoint.objects.get().secret_sealed
    assert AuditEvent.objects.get(action="webhook.create").actor_email == "admin key CI"

    webhook = f"/webhooks/{body['id']}"
    patched = api.patch(webhook, {"enabled": False})
    assert patched.json()["enabled"] is False and patched.json()["url"] == NEW["url"]

    test = api.post(f"{webhook}/test")
    assert test.status_code == 201 and test.json()["event_type"] == "test"
    pending = test.json()["id"]
    refused = api.post(f"{webhook}/deliveries/{pending}/redeliver")
    assert refused.status_code == 400 and "still being tried" in refused.json()["error"]["message"]
    WebhookDelivery.objects.filter(pk=pending).update(status="failed", next_attempt_at=None)
    again = api.post(f"{webhook}/deliveries/{pending}/redeliver")
    assert again.status_code == 201 and again.json()["event_id"] == test.json()["event_id"]
    deliveries = api.get(f"{webhook}/deliveries").json()["data"]
    assert [d["id"] for d in deliveries] == [again.json()["id"], pending]

    rolled = api.post(f"{webhook}/roll-secret")
    assert rolled.status_code == 200 and rolled.json()["secret"] != secret
    assert api.delete(webhook).status_code == 204
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**NEW, "url": "http://1.1.1.1/hook"}, "url"),
        ({**NEW, "url": "https://10.1.2.3/hook"}, "url"),
        ({**NEW, "events": []}, "events"),
        ({**NEW, "events": ["test"]}, "events"),
    ],
)
def test_bad_input_names_its_field_and_saves_nothing(team, api, payload, field):
    response = api.post("/webhooks", payload)
    assert response.status_code in (400, 422)
    assert (
        response.json()["error"]["field"] == field or field in response.json()["error"]["message"]
    )
    assert not WebhookEndpoint.objects.exists()
