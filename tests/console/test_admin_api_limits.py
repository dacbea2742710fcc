"""Spend limits through the admin API (C1): set, read with spend, clear, bad amounts."""

import pytest

from accounts.models import AuditEvent
from projects.models import Project
from reporting.limits.models import SpendLimit
from tests.transcripts.api_support import make_key

pytestmark = pytest.mark.django_db


def test_limits_are_set_listed_and_cleared(team, api):
    project = Project.objects.create(account=team.account, name="Prod")
    key, _secret = make_key(project, "CI")
    assert api.call("put", "/spend-limits/account", {"amount": "100"}).status_code == 200
    assert (
        api.call("put", f"/projects/{project.pk}/spend-limit", {"amount": "50"}).json()["target"]
        == "project Prod"
    )
    answer = api.call("put", f"/projects/{project.pk}/keys/{key.pk}/spend-limit", {"amount": "7.5"})
    assert answer.json()["amount"] == "7.50" and answer.json()["remaining"] == "7.50"
    listed = api.get("/spend-limits").json()["data"]
    assert [(row["scope"], row["amount"]) for row in listed] == [
        ("account", "100.00"),
        ("project", "50.00"),
        ("api_key", "7.50"),
    ]
    assert api.call("delete", f"/projects/{project.pk}/spend-limit").status_code == 204
    assert api.call("delete", f"/projects/{project.pk}/spend-limit").status_code == 204
    assert SpendLimit.objects.live().count() == 2
    assert AuditEvent.objects.filter(action="spend_limit.clear").count() == 1


@pytest.mark.parametrize("amount", ["0", "-1", "10000000.01", "abc", "1.001", None])
def test_bad_amounts_are_refused_and_change_nothing(team, api, amount):
    response = api.call("put", "/spend-limits/account", {"amount": amount})
    assert 400 <= response.status_code < 500
    assert not SpendLimit.objects.exists()
