"""Support staff in the Django admin: ownership transfer (M5), email change (A4)."""

import pytest
from allauth.account.models import EmailAddress
from django.db import transaction
from django.urls import reverse

from accounts.models import AuditEvent, Membership
from accounts.permissions import Role
from tests.conftest import login_client, support_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(email="support@console.test", is_staff=True, is_superuser=True)


def test_transfer_ownership_makes_exactly_one_owner_and_demotes_the_old_one(team, staff):
    client = support_client(staff)
    url = reverse("admin:accounts_account_transfer_ownership", args=[team.account.pk])
    assert client.get(url).status_code == 200
    new_owner = Membership.objects.get(account=team.account, user=team.reader)
    response = client.post(url, {"new_owner": new_owner.pk})
    assert response.status_code == 302
    roles = dict(Membership.objects.filter(account=team.account).values_list("user__email", "role"))
    assert roles == {
        "owner@acme.test": Role.ADMIN,
        "admin@acme.test": Role.ADMIN,
        "reader@acme.test": Role.OWNER,
    }
    event = AuditEvent.objects.get(account=team.account, action="account.transfer_ownership")
    assert event.actor == staff
    assert event.by_support
    assert event.metadata == {"from": "owner@acme.test", "to": "reader@acme.test"}
    team.account.refresh_from_db()
    assert team.account.billing_email == "reader@acme.test"


def test_transfer_to_a_member_of_another_account_is_refused(team, staff):
    client = support_client(staff)
    url = reverse("admin:accounts_account_transfer_ownership", args=[team.account.pk])
    foreign = Membership.objects.get(user=team.outsider)
    response = client.post(url, {"new_owner": foreign.pk})
    assert response.status_code == 200
    assert Membership.objects.get(account=team.account, role=Role.OWNER).user == team.owner
    assert not AuditEvent.objects.filter(action="account.transfer_ownership").exists()


def test_non_staff_get_no_admin(team):
    client = login_client(team.owner, team.account)
    url = reverse("admin:accounts_account_transfer_ownership", args=[team.account.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert "/support/login/" in response["Location"]
    assert client.get(reverse("admin:index")).status_code == 302
    assert Membership.objects.get(account=team.account, role=Role.OWNER).user == team.owner


def test_change_email_in_admin_is_audited_and_allows_login_with_the_new_address(team, staff):
    client = support_client(staff)
    url = reverse("admin:accounts_user_change", args=[team.reader.pk])
    response = client.post(
        url,
        {"email": "rita@new.test", "name": team.reader.name, "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    team.reader.refresh_from_db()
    assert team.reader.email == "rita@new.test"
    assert EmailAddress.objects.get(user=team.reader).email == "rita@new.test"
    event = AuditEvent.objects.get(account=team.account, action="user.change_email")
    assert event.actor == staff and event.by_support
    assert event.metadata == {
        "from": "reader@acme.test",
        "to": "rita@new.test",
        "sessions_ended": 0,
    }


def test_admin_plan_change_is_audited(team, staff):
    client = support_client(staff)
    url = reverse("admin:accounts_account_change", args=[team.account.pk])
    response = client.post(
        url,
        {
            "name": "Acme",
            "plan": "enterprise",
            "custom_max_projects": "50",
            "custom_max_api_keys": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    team.account.refresh_from_db()
    assert team.account.plan == "enterprise"
    assert team.account.custom_max_projects == 50
    event = AuditEvent.objects.get(account=team.account, action="account.support_update")
    assert event.metadata["plan"] == {"from": "contracted", "to": "enterprise"}


def test_admin_refuses_custom_limits_outside_enterprise(team, staff):
    client = support_client(staff)
    url = reverse("admin:accounts_account_change", args=[team.account.pk])
    response = client.post(
        url,
        {
            "name": "Acme",
            "plan": "free",
            "custom_max_projects": "50",
            "custom_max_api_keys": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    team.account.refresh_from_db()
    assert team.account.plan == "contracted"


def test_every_admin_page_loads_for_support_with_data(team, staff):
    """Each registered model's list and change page render (no 500 for support)."""
    from django.contrib import admin

    from apikeys.services import apikey_create
    from projects.services import project_create
    from reporting.limits.services import spend_limit_set, spend_reserve
    from webhooks.services import webhook_endpoint_create, webhook_test_send

    project = project_create(account=team.account, actor=team.owner, name="Production")
    apikey_create(account=team.account, actor=team.owner, project=project, name="Key")
    spend_limit_set(account=team.account, actor=team.owner, amount_micros=10**6, project=project)
    with transaction.atomic():
        spend_reserve(
            account_id=team.account.pk,
            project_id=project.pk,
            api_key_id=None,
            amount_micros=1,
            kind="authorization",
        )
    endpoint = webhook_endpoint_create(
        account=team.account,
        actor=team.owner,
        url="https://1.1.1.1/hooks/T000/secret-path",
        events=["api_key.expired"],
    ).endpoint
    webhook_test_send(account=team.account, actor=team.owner, endpoint=endpoint)
    client = support_client(staff)
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = client.get(changelist)
        assert response.status_code == 200, changelist
        first = model_admin.get_queryset(response.wsgi_request).first()
        if first is not None:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])
            page = client.get(change)
            assert page.status_code == 200, change
            # Support sees an endpoint's host, never its sealed URL or secret.
            assert "secret-path" not in page.content.decode(), change
