"""The Account page, settings, audit log and error pages."""

import json

import pytest
from django.urls import reverse

from accounts.audit import audit_log
from accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_account_page_shows_plan_limits_owner_and_billing_email(team, clients):
    response = clients["reader"].get(reverse("accounts:detail"))
    body = response.content.decode()
    assert "Contracted" in body
    assert "owner@acme.test" in body
    limits = {resource.value: (used, limit) for resource, used, limit in response.context["limits"]}
    assert limits["members"] == (3, 20)
    assert limits["projects"] == (0, 5)
    assert limits["api_keys"] == (0, 25)
    # A Reader sees no edit control.
    assert reverse("accounts:settings") not in body


def test_admin_sees_the_settings_link(clients):
    assert (
        reverse("accounts:settings")
        in clients["admin"].get(reverse("accounts:detail")).content.decode()
    )


def test_rename_account_writes_an_audit_entry(team, clients):
    response = clients["admin"].post(reverse("accounts:settings"), {"name": "Acme Inc"})
    assert response.status_code == 302
    team.account.refresh_from_db()
    assert team.account.name == "Acme Inc"
    event = AuditEvent.objects.get(account=team.account, action="account.rename")
    assert event.actor == team.admin
    assert event.metadata == {"from": "Acme", "to": "Acme Inc"}


def test_rename_with_blank_name_changes_nothing(team, clients):
    response = clients["owner"].post(reverse("accounts:settings"), {"name": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors
    team.account.refresh_from_db()
    assert team.account.name == "Acme"


def test_reader_cannot_rename(team, clients):
    response = clients["reader"].post(reverse("accounts:settings"), {"name": "Hacked"})
    assert response.status_code == 403
    team.account.refresh_from_db()
    assert team.account.name == "Acme"


def test_audit_log_shows_only_this_accounts_entries_filtered_and_paginated(team, clients):
    for i in range(60):
        audit_log(
            account=team.account, actor=team.owner, action="project.create", target_label=f"P{i}"
        )
    audit_log(account=team.account, actor=team.admin, action="member.invite", target_label="x")
    audit_log(
        account=team.outsider_account,
        actor=team.outsider,
        action="project.create",
        target_label="SECRET-OTHER",
    )
    response = clients["admin"].get(reverse("accounts:audit"))
    assert len(response.context["page"].object_list) == 50
    assert response.context["page"].paginator.count == 61
    assert "SECRET-OTHER" not in response.content.decode()
    response = clients["admin"].get(reverse("accounts:audit"), {"action": "member.invite"})
    assert [e.action for e in response.context["page"].object_list] == ["member.invite"]
    assert response.context["actions"] == [
        ("member.invite", "Member invited"),
        ("project.create", "Project created"),
    ]
    assert "<td>Member invited</td>" in response.content.decode()
    page2 = clients["admin"].get(reverse("accounts:audit"), {"page": "2"})
    assert len(page2.context["page"].object_list) == 11
    assert 'href="?page=1">Newer</a>' in page2.content.decode()
    filtered = clients["admin"].get(reverse("accounts:audit"), {"action": "project.create"})
    assert 'href="?action=project.create&amp;page=2">Older</a>' in filtered.content.decode()
    assert clients["admin"].get(reverse("accounts:audit"), {"page": "zzz"}).status_code == 200


def _csv(response) -> list[list[str]]:
    import csv
    import io

    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_audit_log_downloads_as_csv_filtered_and_safe_for_spreadsheets(team, clients):
    audit_log(account=team.account, actor=team.owner, action="project.create", target_label="A")
    audit_log(
        account=team.account,
        actor=team.admin,
        action="project.rename",
        target_label='=HYPERLINK("http://evil")',
        metadata={"from": "A", "to": "B"},
    )
    audit_log(
        account=team.outsider_account,
        actor=team.outsider,
        action="project.create",
        target_label="SECRET-OTHER",
    )
    page = clients["owner"].get(reverse("accounts:audit"), {"action": "project.rename"})
    assert 'href="/account/audit.csv?action=project.rename"' in page.content.decode()

    rows = _csv(clients["owner"].get(reverse("accounts:audit_csv")))
    assert rows[0][:4] == ["time (UTC)", "who", "by support", "action"]
    assert rows[0][8] == "action code"
    assert [r[3] for r in rows[1:]] == ["Project renamed", "Project created"]  # newest first
    assert [r[8] for r in rows[1:]] == ["project.rename", "project.create"]
    rename = rows[1]
    assert rename[1] == "admin@acme.test"
    assert rename[6] == '\'=HYPERLINK("http://evil")'  # never a formula
    assert json.loads(rename[7]) == {"from": "A", "to": "B"}
    assert rename[0].endswith("+00:00")
    assert "SECRET-OTHER" not in str(rows)

    only = _csv(clients["admin"].get(reverse("accounts:audit_csv"), {"action": "project.create"}))
    assert [r[6] for r in only[1:]] == ["A"]
    assert clients["reader"].get(reverse("accounts:audit_csv")).status_code == 403


def test_unknown_url_is_a_404_in_the_consoles_look(clients):
    response = clients["owner"].get("/no/such/page/")
    assert response.status_code == 404
    assert "Not found" in response.content.decode()
    assert "Speech console" in response.content.decode()


def test_forbidden_page_is_in_the_consoles_look(clients):
    response = clients["reader"].get(reverse("accounts:audit"))
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()


def test_the_audit_log_takes_only_actions_it_can_name(team):
    with pytest.raises(ValueError):
        audit_log(account=team.account, actor=team.owner, action="project.explode")
    assert not AuditEvent.objects.filter(action="project.explode").exists()
