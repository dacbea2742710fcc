"""The admin API acts through the console's services, permissions and audit log (X1, X2)."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent, Membership
from accounts.permissions import Role
from accounts.plans import PlanCode
from apikeys.auth import ADMIN_KEY_ON_V2
from apikeys.models import AdminKey, ApiKey
from apikeys.services import apikey_create
from members.models import Invitation
from projects.models import Project
from reporting.alerts.models import SpendAlert
from tests.console.api_support import Api, issue_admin_key
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def error_of(response):
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]


def test_a_project_made_by_key_is_audited_as_the_key_with_no_user(team, api):
    response = api.post("/projects", {"name": "  Staging "})
    assert response.status_code == 201, response.content
    project = Project.objects.get(pk=response.json()["id"])
    assert (project.name, project.account, project.created_by) == ("Staging", team.account, None)
    event = AuditEvent.objects.get(action="project.create")
    assert (event.actor, event.actor_email) == (None, "admin key CI")
    # The same entry through the API's audit log, filtered by that actor.
    entries = api.get("/audit", actor="admin key CI").json()["data"]
    # The key's own creation was the Owner's doing, so only the project is listed.
    assert [e["action"] for e in entries] == ["project.create"]


def test_projects_rename_delete_and_their_keys(team, api):
    project_id = api.post("/projects", {"name": "Prod"}).json()["id"]
    assert api.patch(f"/projects/{project_id}", {"name": "Production"}).json()["name"] == (
        "Production"
    )
    created = api.post(f"/projects/{project_id}/keys", {"name": "Backend"})
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret.startswith("ak_live_")
    key = ApiKey.objects.get(pk=created.json()["id"])
    # SECURITY: the secret is never stored, only its digest.
    assert secret not in json.dumps(list(ApiKey.objects.values()), default=str)
    assert key.created_by_email == "admin key CI"
    listed = api.get(f"/projects/{project_id}/keys").json()["data"]
    assert [k["name"] for k in listed] == ["Backend"] and "secret" not in listed[0]
    # The project key now works on /v2; deleting the project stops it.
    v2 = Client().get("/v2/transcript", HTTP_AUTHORIZATION=secret)
    assert v2.status_code == 200
    assert api.delete(f"/projects/{project_id}").status_code == 204
    assert Client().get("/v2/transcript", HTTP_AUTHORIZATION=secret).status_code == 401
    assert api.get(f"/projects/{project_id}").status_code == 404


def test_key_lifecycle_by_api_expiry_scope_allowlist_and_roll(team, api):
    """K5-K7 through the admin API: the same services as the keys page."""
    project_id = api.post("/projects", {"name": "Prod"}).json()["id"]
    created = api.post(
        f"/projects/{project_id}/keys",
        {
            "name": "Reports",
            "scope": "read",
            "allowed_ips": ["203.0.113.0/24"],
            "expires_at": "2099-01-01T00:00:00Z",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["scope"], body["allowed_ips"]) == ("read", ["203.0.113.0/24"])
    assert body["expires_at"].startswith("2099-01-01")
    key_id = body["id"]
    # A wrong range is a 4xx naming the field, and changes nothing.
    refused = api.patch(f"/projects/{project_id}/keys/{key_id}", {"allowed_ips": ["10.0.0.1/8"]})
    assert refused.status_code in (400, 422), refused.content
    assert ApiKey.objects.get(pk=key_id).allowed_ips == ["203.0.113.0/24"]
    changed = api.patch(f"/projects/{project_id}/keys/{key_id}", {"scope": "full"})
    assert changed.status_code == 200
    assert (changed.json()["scope"], changed.json()["allowed_ips"]) == ("full", ["203.0.113.0/24"])
    assert AuditEvent.objects.filter(
        action="apikey.scope_change", actor_email="admin key CI"
    ).exists()
    rolled = api.post(f"/projects/{project_id}/keys/{key_id}/roll", {"overlap": "1h"})
    assert rolled.status_code == 201, rolled.content
    successor = rolled.json()
    assert successor["name"] == "Reports (rolled)" and successor["secret"].startswith("ak_live_")
    assert successor["allowed_ips"] == ["203.0.113.0/24"]
    old = ApiKey.objects.get(pk=key_id)
    assert old.expires_at is not None and old.successor.pk == successor["id"]
    # Rolled once: a second roll of the same key is refused, not a second successor.
    again = api.post(f"/projects/{project_id}/keys/{key_id}/roll", {"overlap": "now"})
    assert again.status_code in (400, 409, 422), again.content
    assert ApiKey.objects.filter(rolled_from_id=key_id).count() == 1


def test_reader_keys_read_but_change_nothing(team, api, reader_api):
    api.post("/projects", {"name": "Prod"})
    assert [p["name"] for p in reader_api.get("/projects").json()["data"]] == ["Prod"]
    refused = reader_api.post("/projects", {"name": "Mine"})
    assert refused.status_code == 403
    assert error_of(refused)["type"] == "permission_denied"
    assert reader_api.get("/audit").status_code == 403
    assert reader_api.get("/invoices").status_code == 403
    assert Project.objects.filter(name="Mine").count() == 0


def test_another_accounts_ids_are_404(team, api, outsider_api):
    project_id = api.post("/projects", {"name": "Prod"}).json()["id"]
    member = Membership.objects.get(account=team.account, user=team.reader)
    for method, path, body in (
        ("get", f"/projects/{project_id}", None),
        ("patch", f"/projects/{project_id}", {"name": "Stolen"}),
        ("delete", f"/projects/{project_id}", None),
        ("post", f"/projects/{project_id}/keys", {"name": "x"}),
        ("patch", f"/members/{member.pk}", {"role": "admin"}),
        ("delete", f"/members/{member.pk}", None),
    ):
        response = outsider_api.call(method, path, body)
        assert response.status_code == 404, (method, path, response.content)
        assert error_of(response)["type"] == "not_found"
    assert Project.objects.get(pk=project_id).name == "Prod"


def test_bad_input_names_the_field(team, api):
    too_long = api.post("/projects", {"name": "x" * 101})
    assert too_long.status_code == 422
    assert error_of(too_long)["field"] == "name"
    nul = api.post("/projects", {"name": "a\x00b"})
    assert (nul.status_code, error_of(nul)["field"]) == (422, "name")
    blank = api.post("/projects", {"name": "   "})
    assert (blank.status_code, error_of(blank)["field"]) == (400, "name")
    api.post("/projects", {"name": "Prod"})
    taken = api.post("/projects", {"name": "prod"})
    assert taken.status_code == 400 and "already exists" in error_of(taken)["message"]
    not_json = api.client.post(
        "/v1/admin/projects", "[1, 2", content_type="application/json", **api.headers()
    )
    assert 400 <= not_json.status_code < 500
    assert api.get("/projects", limit=0).status_code == 422
    cursor = api.get("/projects", after="nope")
    assert (cursor.status_code, error_of(cursor)["field"]) == (422, "after")
    huge = api.get(f"/projects/{2**70}")
    assert huge.status_code == 422


def test_plan_limit_is_a_409_naming_the_plan(team, api):
    team.account.plan = PlanCode.FREE
    team.account.save()
    assert api.post("/projects", {"name": "One"}).status_code == 201
    assert api.post("/projects", {"name": "Two"}).status_code == 201
    refused = api.post("/projects", {"name": "Three"})
    assert refused.status_code == 409
    assert error_of(refused) == {
        "type": "limit_reached",
        "message": "Your Free plan allows 2 projects.",
    }


def test_cursor_pagination_walks_every_row_once(team, api):
    for n in range(5):
        Project.objects.create(account=team.account, name=f"P{n}")
    seen, after = [], None
    while True:
        params = {"limit": 2, **({"after": after} if after else {})}
        page = api.get("/projects", **params).json()
        seen += [p["name"] for p in page["data"]]
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        after = page["next_cursor"]
    assert seen == [f"P{n}" for n in range(5)]


def test_members_roles_and_removal(team, api):
    members = api.get("/members").json()["data"]
    assert {m["email"]: (m["role"], m["mfa_enrolled"]) for m in members} == {
        "owner@acme.test": ("owner", False),
        "admin@acme.test": ("admin", False),
        "reader@acme.test": ("reader", False),
    }
    reader = next(m for m in members if m["role"] == "reader")
    owner = next(m for m in members if m["role"] == "owner")
    promoted = api.patch(f"/members/{reader['id']}", {"role": "admin"})
    assert promoted.json()["role"] == "admin"
    assert api.patch(f"/members/{reader['id']}", {"role": "owner"}).status_code == 422
    owner_change = api.patch(f"/members/{owner['id']}", {"role": "reader"})
    assert owner_change.status_code == 400
    assert "Owner" in error_of(owner_change)["message"]
    assert api.delete(f"/members/{owner['id']}").status_code == 400
    assert api.delete(f"/members/{reader['id']}").status_code == 204
    assert not Membership.objects.filter(account=team.account, user=team.reader).exists()
    event = AuditEvent.objects.filter(action="member.remove").get()
    assert event.actor_email == "admin key CI"


def test_invites_create_resend_delete(team, api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post("/invites", {"email": "New@Example.com"})
    assert created.status_code == 201, created.content
    invite = created.json()
    assert (invite["email"], invite["role"], invite["invited_by"]) == (
        "new@example.com",
        "reader",
        None,
    )
    assert len(mail.outbox) == 1 and "A member invited you" in mail.outbox[0].body
    assert api.post("/invites", {"email": "not-an-email"}).status_code == 422
    again = api.post("/invites", {"email": "new@example.com"})
    assert (again.status_code, error_of(again)["field"]) == (400, "email")
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/invites/{invite['id']}/resend").status_code == 200
    assert len(mail.outbox) == 2
    assert [i["id"] for i in api.get("/invites").json()["data"]] == [invite["id"]]
    assert api.delete(f"/invites/{invite['id']}").status_code == 204
    assert Invitation.objects.get(pk=invite["id"]).status == Invitation.Status.REVOKED
    assert api.delete(f"/invites/{invite['id']}").status_code == 404


def test_spend_alerts_create_update_delete(team, api):
    project = Project.objects.create(account=team.account, name="Prod")
    created = api.post(
        "/alerts", {"scope": "project", "project_id": project.pk, "thresholds": ["25.50"]}
    )
    assert created.status_code == 201, created.content
    alert = created.json()
    assert (alert["scope"], alert["project_id"], alert["thresholds"], alert["basis"]) == (
        "project",
        project.pk,
        ["25.50"],
        "amount",
    )
    generation = SpendAlert.objects.get(pk=alert["id"]).generation
    changed = api.patch(f"/alerts/{alert['id']}", {"thresholds": ["25.50", "40"]})
    assert changed.json()["thresholds"] == ["25.50", "40.00"]
    assert changed.json()["project_id"] == project.pk
    # A threshold added fires on its own; a new kind re-arms the alert.
    assert SpendAlert.objects.get(pk=alert["id"]).generation == generation
    percents = api.patch(
        f"/alerts/{alert['id']}", {"basis": "limit_percent", "thresholds": ["50", "80", "100"]}
    )
    assert percents.json()["thresholds"] == ["50", "80", "100"]
    assert SpendAlert.objects.get(pk=alert["id"]).generation == generation + 1
    backwards = api.patch(f"/alerts/{alert['id']}", {"thresholds": ["80", "50"]})
    assert (backwards.status_code, error_of(backwards)["field"]) == (400, "thresholds")
    over = api.patch(f"/alerts/{alert['id']}", {"thresholds": ["50", "120"]})
    assert (over.status_code, error_of(over)["field"]) == (400, "thresholds")
    other = Project.objects.create(account=team.outsider_account, name="Theirs")
    foreign = api.patch(f"/alerts/{alert['id']}", {"project_id": other.pk})
    assert (foreign.status_code, error_of(foreign)["field"]) == (400, "project")
    stranger = MembershipFactory(account=team.outsider_account, role=Role.ADMIN)
    recipients = api.patch(
        f"/alerts/{alert['id']}", {"all_managers": False, "recipients": [stranger.pk]}
    )
    assert (recipients.status_code, error_of(recipients)["field"]) == (400, "recipients")
    assert api.post("/alerts", {"thresholds": ["-1"]}).status_code == 422
    assert api.post("/alerts", {"thresholds": []}).status_code == 422
    assert api.delete(f"/alerts/{alert['id']}").status_code == 204
    assert not SpendAlert.objects.exists()


def test_audit_log_filters_pages_and_exports_ndjson(team, api):
    for name in ("A", "B", "C"):
        api.post("/projects", {"name": name})
    first = api.get("/audit", action="project.create", limit=2).json()
    assert [e["target_label"] for e in first["data"]] == ["C", "B"]
    rest = api.get("/audit", action="project.create", limit=2, after=first["next_cursor"])
    assert [e["target_label"] for e in rest.json()["data"]] == ["A"]
    unknown = api.get("/audit", action="project.explode")
    assert (unknown.status_code, error_of(unknown)["field"]) == (400, "action")
    project_id = str(Project.objects.get(name="B").pk)
    by_target = api.get("/audit", target_type="project", target_id=project_id).json()["data"]
    assert [e["target_label"] for e in by_target] == ["B"]
    export = api.get("/audit/export", action="project.create")
    assert export["Content-Type"] == "application/x-ndjson"
    lines = b"".join(export.streaming_content).decode().splitlines()
    assert [json.loads(line)["target_label"] for line in lines] == ["C", "B", "A"]
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    assert api.get("/audit", start=future).json()["data"] == []


def test_keys_of_the_wrong_kind_are_refused_with_a_clear_message(team, api, project_key_api):
    refused = project_key_api.get("/projects")
    assert refused.status_code == 401
    assert "project API key" in error_of(refused)["message"]
    # An admin key on /v2 is a 401 too.
    v2 = Client().get("/v2/transcript", HTTP_AUTHORIZATION=api.key)
    assert (v2.status_code, v2.json()) == (401, {"error": ADMIN_KEY_ON_V2})
    # A session cookie counts for nothing on the admin API.
    client = Client()
    client.force_login(team.owner)
    assert client.get("/v1/admin/projects").status_code == 401


def test_expired_and_deleted_keys_stop_working(team, api, expired_api):
    expired = expired_api.get("/projects")
    assert expired.status_code == 401 and "expired" in error_of(expired)["message"]
    assert api.get("/projects").status_code == 200
    AdminKey.objects.filter(name="CI").update(deleted_at=timezone.now())
    assert api.get("/projects").status_code == 401


def test_requests_beyond_the_plans_rate_are_429_with_retry_after(team):
    # The outsider's account is on Free: 60 requests a minute per admin key.
    limited = Api(issue_admin_key(team.outsider_account, team.outsider))
    other = Api(issue_admin_key(team.outsider_account, team.outsider, name="Other"))
    statuses = [limited.get("/projects").status_code for _ in range(60)]
    assert statuses == [200] * 60
    refused = limited.get("/projects")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert error_of(refused)["type"] == "rate_limited"
    # The limit is per key.
    assert other.get("/projects").status_code == 200


def test_a_key_can_never_do_what_only_the_owner_may(team):
    from django.core.exceptions import PermissionDenied

    from accounts.services import account_delete, transfer_request_create
    from apikeys.models import AdminKey

    issue_admin_key(team.account, team.owner, role="admin", name="Strong")
    actor = AdminKey.objects.get(name="Strong").actor()
    with pytest.raises(PermissionDenied):
        account_delete(account=team.account, actor=actor, confirm_name=team.account.name)
    with pytest.raises(PermissionDenied):
        transfer_request_create(account=team.account, actor=actor, new_owner=team.admin)
    # Nor act in another account.
    with pytest.raises(PermissionDenied):
        apikey_create(
            account=team.outsider_account,
            actor=actor,
            project=Project.objects.create(account=team.outsider_account, name="X"),
            name="x",
        )
