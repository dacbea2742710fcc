"""The Webhooks pages: create (secret once), edit, delete, roll, test, redeliver; refusals (C2)."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from tests.webhooks.support import PUBLIC_URL, make_endpoint
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import webhook_endpoint_create, webhook_redeliver, webhook_test_send
from webhooks.values import MAX_ENDPOINTS_PER_ACCOUNT

pytestmark = pytest.mark.django_db

FORM = {"url": PUBLIC_URL, "events": ["spend_alert.fired", "api_key.expired"], "enabled": "on"}


def secret_on(page: str) -> str:
    return re.search(r'id="secret"[^>]*value="(whsec_[^"]+)"', page).group(1)


def everything_stored() -> str:
    """Every row of the webhook tables and of the audit log, as text."""
    dump = []
    with connection.cursor() as cursor:
        for table in (
            "webhooks_webhookendpoint",
            "webhooks_webhookdelivery",
            "accounts_auditevent",
        ):
            cursor.execute(f"SELECT * FROM {table}")
            dump.append(repr(cursor.fetchall()))
    return "\n".join(dump)


def test_create_shows_the_secret_once_with_the_snippet_and_never_stores_it(team, clients):
    client = clients["admin"]
    page = client.post(reverse("webhooks:create"), {**FORM, "description": "Ops"}).content.decode()
    secret = secret_on(page)
    assert "def verify(" in page and "Console-Signature" in page
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["spend_alert.fired", "api_key.expired"]
    assert endpoint.created_by == team.admin
    assert secret not in everything_stored()
    assert endpoint.secret_prefix == secret[:10]
    detail = client.get(reverse("webhooks:detail", args=[endpoint.pk])).content.decode()
    assert secret not in detail and f"{endpoint.secret_prefix}…" in detail
    entry = AuditEvent.objects.get(action="webhook.create")
    assert entry.actor == team.admin and entry.metadata["host"] == "1.1.1.1"
    # The audit log names the host, not the path (chat tools keep their token there),
    # and the URL itself is stored sealed: its path is in no row.
    assert "/hooks/console" not in repr(entry.metadata) + entry.target_label
    assert "/hooks/console" not in everything_stored()
    assert (endpoint.url, endpoint.host, str(endpoint)) == (PUBLIC_URL, "1.1.1.1", "1.1.1.1")
    assert f'<code id="endpoint-url">{PUBLIC_URL}</code>' in detail


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://1.1.1.1/hook", "must start with https://"),
        ("https://10.0.0.5/hook", "network this server does not connect to"),
        ("https://127.0.0.1:8443/hook", "network this server does not connect to"),
        ("https://localhost/hook", "network this server does not connect to"),
        ("https://[::1]/hook", "network this server does not connect to"),
        ("https://169.254.169.254/latest", "network this server does not connect to"),
        ("ftp://1.1.1.1/x", "must start with https://"),
        ("https://", "name a host"),
        ("https://1.1.1.1/a b", "spaces"),
    ],
)
def test_urls_that_are_not_https_or_not_public_are_refused_and_nothing_is_saved(
    team, clients, url, message
):
    response = clients["admin"].post(reverse("webhooks:create"), {**FORM, "url": url})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "Nothing was saved" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_http_and_loopback_are_allowed_only_by_the_settings(team, clients, settings):
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    response = clients["admin"].post(
        reverse("webhooks:create"), {**FORM, "url": "http://127.0.0.1:9/hook"}
    )
    assert secret_on(response.content.decode())


def test_events_must_be_chosen_from_the_list(team, clients):
    for events in ([], ["nope"], ["test"]):
        response = clients["admin"].post(reverse("webhooks:create"), {**FORM, "events": events})
        assert "Choose" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_service_tells_every_bad_field_at_once(team):
    with pytest.raises(ValidationError) as refused:
        webhook_endpoint_create(
            account=team.account, actor=team.admin, url="http://10.0.0.1/x", events=[]
        )
    assert set(refused.value.message_dict) == {"url", "events"}
    assert not WebhookEndpoint.objects.exists()


def test_the_endpoint_cap_is_a_clear_message(team, clients):
    for _ in range(MAX_ENDPOINTS_PER_ACCOUNT):
        make_endpoint(team)
    response = clients["admin"].post(reverse("webhooks:create"), FORM)
    assert f"at most {MAX_ENDPOINTS_PER_ACCOUNT} webhook endpoints" in response.content.decode()
    assert WebhookEndpoint.objects.count() == MAX_ENDPOINTS_PER_ACCOUNT
    listing = clients["admin"].get(reverse("webhooks:list")).content.decode()
    assert "disabled" in listing and 'id="new-endpoint"' not in listing


def test_edit_delete_and_roll_are_audited(team, clients):
    endpoint, old_secret = make_endpoint(team)
    client = clients["owner"]
    response = client.post(
        reverse("webhooks:edit", args=[endpoint.pk]),
        {"url": "https://1.0.0.1/new", "events": ["api_key.expiring"], "description": "New"},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.enabled) == (
        "https://1.0.0.1/new",
        ["api_key.expiring"],
        False,
    )
    update = AuditEvent.objects.get(action="webhook.update")
    assert sorted(update.metadata["changed"]) == ["description", "enabled", "events", "url"]

    # A refused edit changes nothing.
    client.post(
        reverse("webhooks:edit", args=[endpoint.pk]),
        {"url": "https://192.168.1.1/", "events": ["api_key.expired"], "enabled": "on"},
    )
    endpoint.refresh_from_db()
    assert endpoint.url == "https://1.0.0.1/new" and not endpoint.enabled

    confirm = client.get(reverse("webhooks:roll_secret", args=[endpoint.pk]))
    assert "Replace the signing secret?" in confirm.content.decode()
    new_secret = secret_on(
        client.post(reverse("webhooks:roll_secret", args=[endpoint.pk])).content.decode()
    )
    assert new_secret != old_secret
    assert new_secret not in everything_stored() and old_secret not in everything_stored()
    assert AuditEvent.objects.filter(action="webhook.roll_secret").count() == 1

    webhook_test_send(account=team.account, actor=team.owner, endpoint=endpoint)
    assert client.get(reverse("webhooks:delete", args=[endpoint.pk])).status_code == 200
    response = client.post(reverse("webhooks:delete", args=[endpoint.pk]))
    assert response.status_code == 302
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()
    assert AuditEvent.objects.filter(action="webhook.delete").count() == 1


def test_send_test_and_redeliver_from_the_endpoint_page(team, clients):
    endpoint, _secret = make_endpoint(team)
    client = clients["admin"]
    response = client.post(reverse("webhooks:test", args=[endpoint.pk]), follow=True)
    assert "Sent a test event" in response.content.decode()
    delivery = WebhookDelivery.objects.get()
    assert delivery.event_type == "test" and delivery.status == "pending"
    page = response.content.decode()
    assert delivery.event_id in page and "Pending" in page
    # A pending delivery has no Redeliver button, and the service refuses it by name.
    redeliver_url = reverse("webhooks:redeliver", args=[endpoint.pk, delivery.pk])
    assert redeliver_url not in page
    response = client.post(redeliver_url, follow=True)
    assert "still being tried" in response.content.decode()

    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status="failed", response_code=500, attempts=14, next_attempt_at=None
    )
    page = client.get(reverse("webhooks:detail", args=[endpoint.pk])).content.decode()
    assert "Failed" in page and "HTTP 500" in page and redeliver_url in page
    client.post(redeliver_url)
    assert WebhookDelivery.objects.filter(event_id=delivery.event_id).count() == 2
    assert list(AuditEvent.objects.values_list("action", flat=True).order_by("id"))[-2:] == [
        "webhook.test",
        "webhook.redeliver",
    ]


def test_another_accounts_endpoint_and_delivery_are_not_found(team, clients):
    endpoint, _secret = make_endpoint(team)
    delivery = webhook_test_send(account=team.account, actor=team.admin, endpoint=endpoint)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="succeeded")
    own, _secret = make_endpoint(team, account=team.outsider_account, actor=team.outsider)
    outsider = clients["outsider"]
    for name in ("detail", "edit", "delete", "roll_secret"):
        assert outsider.get(reverse(f"webhooks:{name}", args=[endpoint.pk])).status_code == 404
    # The outsider's own endpoint with the team's delivery: still not found.
    response = outsider.post(reverse("webhooks:redeliver", args=[own.pk, delivery.pk]))
    assert response.status_code == 404
    with pytest.raises(ValidationError, match="no longer exists"):
        webhook_redeliver(account=team.outsider_account, actor=team.outsider, delivery=delivery)
    listing = outsider.get(reverse("webhooks:list")).content.decode()
    assert listing.count('id="endpoint-') == 1 and f'id="endpoint-{endpoint.pk}"' not in listing
    assert WebhookDelivery.objects.count() == 1


def test_the_delivery_log_is_paginated_newest_first(team, clients):
    endpoint, _secret = make_endpoint(team)
    start = timezone.now() - timedelta(hours=1)
    for n in range(30):
        webhook_test_send(
            account=team.account,
            actor=team.admin,
            endpoint=endpoint,
            now=start + timedelta(minutes=n),
        )
    newest = WebhookDelivery.objects.order_by("-created_at").first()
    oldest = WebhookDelivery.objects.order_by("created_at").first()
    url = reverse("webhooks:detail", args=[endpoint.pk])
    first = clients["admin"].get(url).content.decode()
    assert first.count('id="delivery-') == 25 and newest.event_id in first
    assert oldest.event_id not in first and "Page 1 of 2" in first
    second = clients["admin"].get(url, {"page": 2}).content.decode()
    assert second.count('id="delivery-') == 5 and oldest.event_id in second


def test_the_account_page_links_the_webhooks_page_for_managers_only(team, clients):
    link = reverse("webhooks:list")
    assert link in clients["admin"].get(reverse("accounts:detail")).content.decode()
    assert link not in clients["reader"].get(reverse("accounts:detail")).content.decode()
    empty = clients["owner"].get(link).content.decode()
    assert "No webhook endpoints yet" in empty
