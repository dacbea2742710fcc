"""Admin keys on the Account page (X1): created and deleted by Owners and Admins, shown once."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEvent
from apikeys import keys
from apikeys.models import AdminKey
from apikeys.services import admin_key_create

pytestmark = pytest.mark.django_db


def test_created_on_the_account_page_shown_once_stored_as_a_digest(team, clients):
    response = clients["admin"].post(
        "/keys/admin/new/", {"name": "Terraform", "role": "admin", "expires": "30"}
    )
    assert response.status_code == 200
    secret = re.search(r'value="(ak_admin_[0-9A-Za-z]+)"', response.content.decode()).group(1)
    assert keys.is_well_formed(secret, keys.ADMIN_KEY_PREFIX)
    admin_key = AdminKey.objects.get()
    assert (admin_key.account, admin_key.role, admin_key.created_by) == (
        team.account,
        "admin",
        team.admin,
    )
    assert admin_key.digest == keys.digest(secret) and secret not in str(vars(admin_key))
    assert timedelta(days=29) < admin_key.expires_at - timezone.now() <= timedelta(days=30)
    event = AuditEvent.objects.get(action="adminkey.create")
    assert secret not in str(event.metadata) and event.metadata["role"] == "admin"
    page = clients["reader"].get("/account/").content.decode()
    assert "Terraform" in page and secret not in page
    assert 'href="/v1/admin/docs"' in page
    assert "Create admin key" not in page  # a Reader sees the keys, not the form
    assert "Create admin key" in clients["admin"].get("/account/").content.decode()


def test_deleted_from_the_account_page_and_audited(team, clients):
    issued = admin_key_create(account=team.account, actor=team.owner, name="Old", role="reader")
    confirm = clients["owner"].get(f"/keys/admin/{issued.admin_key.pk}/delete/")
    assert "cannot be undone" in confirm.content.decode()
    assert clients["owner"].post(f"/keys/admin/{issued.admin_key.pk}/delete/").status_code == 302
    assert AdminKey.objects.for_account(team.account).count() == 0
    assert AuditEvent.objects.filter(action="adminkey.delete", actor=team.owner).exists()
    assert clients["owner"].post(f"/keys/admin/{issued.admin_key.pk}/delete/").status_code == 404


def test_no_admin_key_is_ever_an_owner_nor_expires_in_the_past(team):
    with pytest.raises(ValidationError) as refused:
        admin_key_create(account=team.account, actor=team.owner, name="x", role="owner")
    assert "role" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        admin_key_create(
            account=team.account,
            actor=team.owner,
            name="x",
            role="admin",
            expires_at=timezone.now() - timedelta(days=1),
        )
    assert "expires_at" in refused.value.message_dict
    assert not AdminKey.objects.exists()


def test_the_reference_page_needs_no_cdn(clients):
    page = clients["anonymous"].get("/v1/admin/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
