"""A key's page (K5-K7): its settings, the scope and allowlist form, its history."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from apikeys.models import ApiKey
from apikeys.services import apikey_create, apikey_expiry_notices_send, apikey_roll

pytestmark = pytest.mark.django_db


def test_history_shows_created_scope_allowlist_rolled_and_expired(team, clients, project):
    old = apikey_create(
        account=team.account,
        actor=team.owner,
        project=project,
        name="Backend",
        expires_at=timezone.now() + timedelta(days=30),
    ).api_key
    client = clients["admin"]
    response = client.post(
        reverse("apikeys:update", args=[old.pk]),
        {"scope": "read", "allowed_ips": "203.0.113.0/24\n2001:db8::/32"},
    )
    assert response.status_code == 302
    new = apikey_roll(
        account=team.account, actor=team.admin, api_key=old, overlap=timedelta(0)
    ).api_key
    apikey_expiry_notices_send()

    page = clients["reader"].get(reverse("apikeys:detail", args=[old.pk])).content.decode()
    history = page[page.index('id="history"') :]
    labels = re.findall(r"<td>(API key[^<]*)</td>", history)
    assert labels == [
        "API key created",
        "API key&#x27;s scope changed",
        "API key&#x27;s IP allowlist changed",
        "API key rolled",
        "API key expired",
    ]
    assert "from full to read" in history
    assert "from anywhere to 203.0.113.0/24, 2001:db8::/32" in history
    assert f"successor {new.prefix}…" in history
    # Who did it is the audit log's to tell: Owners and Admins, not Readers (B1).
    assert "admin@acme.test" not in history
    admin_page = clients["admin"].get(reverse("apikeys:detail", args=[old.pk])).content.decode()
    assert "admin@acme.test" in admin_page[admin_page.index('id="history"') :]
    assert 'id="key-scope">Read' in page
    assert "Expired" in page

    successor_page = clients["reader"].get(reverse("apikeys:detail", args=[new.pk]))
    text = successor_page.content.decode()
    assert f"rolled from {old.prefix}…" in text
    assert "203.0.113.0/24, 2001:db8::/32" in text
    assert AuditEvent.objects.filter(action="apikey.scope_change").count() == 1


def test_saving_unchanged_settings_writes_no_history(team, clients, issue_key):
    issued = issue_key()
    clients["owner"].post(
        reverse("apikeys:update", args=[issued.api_key.pk]), {"scope": "full", "allowed_ips": ""}
    )
    assert not AuditEvent.objects.filter(target_id=str(issued.api_key.pk)).exclude(
        action="apikey.create"
    )


def test_readers_see_no_forms_and_outsiders_get_404(team, clients, issue_key):
    issued = issue_key()
    url = reverse("apikeys:detail", args=[issued.api_key.pk])
    page = clients["reader"].get(url).content.decode()
    assert "Roll key" not in page and 'name="allowed_ips"' not in page
    assert "Roll key" in clients["owner"].get(url).content.decode()
    assert clients["outsider"].get(url).status_code == 404
    ApiKey.objects.filter(pk=issued.api_key.pk).update(deleted_at=timezone.now())
    assert clients["owner"].get(url).status_code == 404
