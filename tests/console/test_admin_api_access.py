"""Every admin API operation x every kind of caller, from the generated OpenAPI document."""

import re

import pytest

from console.api.main import api as admin_api
from tests.console.api_support import Api

# What each operation needs: "view" (any role), "manage" (Admin role; Reader 403),
# "audit" and "billing" (Admin role only, as in the console's table).
NEEDS = {
    "list_projects": "view",
    "get_project": "view",
    "list_keys": "view",
    "list_members": "view",
    "list_invites": "view",
    "list_alerts": "view",
    "usage": "view",
    "costs": "view",
    "audit_log": "manage",
    "audit_export": "manage",
    "list_invoices": "manage",
    "get_invoice": "manage",
    "create_project": "manage",
    "rename_project": "manage",
    "delete_project": "manage",
    "create_key": "manage",
    "delete_key": "manage",
    "update_key": "manage",
    "roll_key": "manage",
    "change_role": "manage",
    "remove_member": "manage",
    "create_invite": "manage",
    "resend_invite": "manage",
    "delete_invite": "manage",
    "create_alert": "manage",
    "update_alert": "manage",
    "delete_alert": "manage",
    # Webhook URLs are often credentials: Admin role only, reads included (C2).
    "list_webhooks": "manage",
    "create_webhook": "manage",
    "update_webhook": "manage",
    "delete_webhook": "manage",
    "roll_webhook_secret": "manage",
    "list_webhook_deliveries": "manage",
    "send_webhook_test": "manage",
    "redeliver_webhook": "manage",
    "list_spend_limits": "view",
    "set_account_spend_limit": "manage",
    "clear_account_spend_limit": "manage",
    "set_project_spend_limit": "manage",
    "clear_project_spend_limit": "manage",
    "set_key_spend_limit": "manage",
    "clear_key_spend_limit": "manage",
}
BODIES = {
    "create_project": {"name": "Matrix"},
    "rename_project": {"name": "Matrix renamed"},
    "create_key": {"name": "Matrix key"},
    "update_key": {"scope": "read", "allowed_ips": ["203.0.113.0/24"]},
    "roll_key": {"overlap": "1h"},
    "change_role": {"role": "admin"},
    "create_invite": {"email": "matrix@example.com"},
    "create_alert": {"thresholds": ["10"]},
    "update_alert": {"thresholds": ["20"]},
    "set_account_spend_limit": {"amount": "100"},
    "set_project_spend_limit": {"amount": "50"},
    "set_key_spend_limit": {"amount": "25.50"},
    "create_webhook": {"url": "https://1.1.1.1/matrix", "events": ["api_key.expired"]},
    "update_webhook": {"enabled": False},
}
QUERIES = {
    "usage": {"start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z"},
    "costs": {"start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z"},
}
SUCCESS = {"get": 200, "post": 201, "put": 200, "patch": 200, "delete": 204}
# Reads, and actions that make nothing new, answer 200.
OK_NAMES = {"resend_invite", "roll_webhook_secret"}
CALLERS = ("admin", "reader", "other_account", "project_key", "expired", "none")


def operations():
    schema = admin_api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield operation["operationId"], method, path.removeprefix("/v1/admin")


OPERATIONS = sorted(operations())


def test_every_operation_has_a_row():
    assert sorted(name for name, _m, _p in OPERATIONS) == sorted(NEEDS)


@pytest.fixture
def world(team):
    from members.services import invitation_create
    from projects.models import Project
    from reporting.alerts.services import spend_alert_create
    from reporting.billing.models import Invoice
    from tests.factories import MembershipFactory

    project = Project.objects.create(account=team.account, name="Matrix project")
    from apikeys.services import apikey_create

    key = apikey_create(account=team.account, actor=team.owner, project=project, name="m")
    member = MembershipFactory(account=team.account, user__email="member@acme.test")
    invite = invitation_create(
        account=team.account, actor=team.owner, email="invited@acme.test", role="reader"
    )
    alert = spend_alert_create(
        account=team.account, actor=team.owner, scope="account", thresholds=[10**6]
    )
    invoice = Invoice.objects.create(
        account=team.account, month="2026-01-01", total_micros=0, total_cents=0
    )
    from tests.webhooks.support import make_endpoint
    from webhooks.models import WebhookDelivery
    from webhooks.services import webhook_test_send

    webhook, _secret = make_endpoint(team)
    delivery = webhook_test_send(account=team.account, actor=team.owner, endpoint=webhook)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="succeeded", next_attempt_at=None)
    return {
        "webhook_id": webhook.pk,
        "delivery_id": delivery.pk,
        "project_id": project.pk,
        "key_id": key.api_key.pk,
        "member_id": member.pk,
        "invite_id": invite.pk,
        "alert_id": alert.pk,
        "invoice_id": invoice.pk,
    }


@pytest.fixture
def callers(api, reader_api, outsider_api, project_key_api, expired_api):
    return {
        "admin": api,
        "reader": reader_api,
        "other_account": outsider_api,
        "project_key": project_key_api,
        "expired": expired_api,
        "none": Api(None),
    }


def expected(caller, name, method, path):
    if caller in ("project_key", "expired", "none"):
        return 401
    if caller == "reader" and NEEDS[name] != "view":
        return 403
    if caller == "other_account" and "{" in path:
        # SECURITY: another account's ids are as unknown as ids that do not exist.
        return 404
    return 200 if name in OK_NAMES else SUCCESS[method]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "path"), OPERATIONS)
def test_access(name, method, path, world, callers):
    url = re.sub(r"\{(\w+)\}", lambda m: str(world[m.group(1)]), path)
    # The Admin-role key goes last: what it deletes is gone for nobody before it.
    for caller in CALLERS[1:] + CALLERS[:1]:
        response = callers[caller].call(method, url, BODIES.get(name), **QUERIES.get(name, {}))
        want = expected(caller, name, method, path)
        assert response.status_code == want, (name, caller, response.status_code, response.content)
        if response.status_code >= 400:
            assert set(response.json()["error"]) >= {"type", "message"}
