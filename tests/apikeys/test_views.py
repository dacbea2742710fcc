"""The API keys page: list, create (secret shown once), delete with a dialog (K2-K4)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from accounts.plans import PlanCode
from apikeys import keys
from apikeys.auth import authenticate
from apikeys.models import ApiKey
from projects.models import Project
from projects.services import project_delete
from tests.conftest import login_client
from tests.factories import account_with_owner

pytestmark = pytest.mark.django_db

LIST = reverse("apikeys:list")
CREATE = reverse("apikeys:create")


def _create_form(client):
    """The create form's values as the page renders them (with its one-time token)."""
    page = client.get(LIST).content.decode()
    return {"token": re.search(r'name="token" value="([^"]+)"', page).group(1)}


def test_list_shows_each_keys_details(team, clients, issue_key, project):
    staging = Project.objects.create(account=team.account, name="Staging")
    used = issue_key("Backend key", actor=team.admin)
    issue_key("Staging worker", on=staging)
    ApiKey.objects.filter(pk=used.api_key.pk).update(last_used_at=timezone.now())
    page = clients["reader"].get(LIST).content.decode()
    assert "Backend key" in page and "Staging worker" in page
    assert f'<code class="key-prefix">{used.api_key.prefix}…</code>' in page
    assert used.secret not in page
    assert team.admin.display_name in page
    assert "never" in page
    assert "0\xa0minutes ago" in page


def test_project_filter(team, clients, issue_key, project):
    staging = Project.objects.create(account=team.account, name="Staging")
    issue_key("Backend key")
    issue_key("Staging worker", on=staging)
    page = clients["admin"].get(LIST, {"project": staging.pk}).content.decode()
    assert "Staging worker" in page and "Backend key" not in page
    fragment = clients["admin"].get(LIST, {"project": staging.pk}, HTTP_HX_REQUEST="true")
    fragment = fragment.content.decode()
    assert fragment.lstrip().startswith('<div id="keys-table"')
    assert "Staging worker" in fragment and "Backend key" not in fragment
    # Another account's project id filters nothing of theirs in.
    theirs = Project.objects.create(account=team.outsider_account, name="Theirs")
    page = clients["admin"].get(LIST, {"project": theirs.pk}).content.decode()
    assert "Backend key" in page and "Theirs" not in page


def test_readers_see_no_create_or_delete(clients, issue_key):
    issued = issue_key()
    page = clients["reader"].get(LIST).content.decode()
    assert "Backend key" in page
    assert "Create key" not in page
    assert reverse("apikeys:delete", args=[issued.api_key.pk]) not in page


def test_create_shows_the_key_once(team, clients, project):
    client = clients["admin"]
    form = _create_form(client) | {"project": project.pk, "name": "Backend key"}
    response = client.post(CREATE, form)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    secret = re.search(r'id="secret" class="secret" value="(ak_live_\w+)"', page).group(1)
    assert keys.is_well_formed(secret)
    assert "It will not be shown again." in page
    assert 'id="copy-secret"' in page
    assert authenticate(secret).project == project
    assert "sessionid" not in response.cookies or secret not in str(client.session.items())

    # Afterwards only the prefix is shown.
    page = client.get(LIST).content.decode()
    assert secret not in page
    assert f"{secret[:12]}…" in page

    # Submitting the same form again (reload, double click) makes no second key.
    response = client.post(CREATE, form, follow=True)
    assert "was already created from this form" in response.content.decode()
    assert secret not in response.content.decode()
    assert ApiKey.objects.for_account(team.account).count() == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter a name for the key."),
        ("   ", "Enter a name for the key."),
        ("x" * 200, "Use at most 100 characters"),
    ],
)
def test_bad_names_get_a_message(clients, project, name, message):
    form = _create_form(clients["owner"]) | {"project": project.pk, "name": name}
    response = clients["owner"].post(CREATE, form)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ApiKey.objects.exists()


def test_a_project_deleted_meanwhile_gets_a_message(team, clients, project):
    form = _create_form(clients["owner"]) | {"project": project.pk, "name": "API"}
    project_delete(account=team.account, actor=team.admin, project=project)
    response = clients["owner"].post(CREATE, form)
    assert response.status_code == 200
    assert "That project no longer exists. Choose another one." in response.content.decode()
    assert not ApiKey.objects.exists()


def test_a_missing_token_or_project_gets_a_message(clients, project):
    response = clients["owner"].post(CREATE, {"name": "API"})
    assert response.status_code == 200
    assert "Choose the project the key belongs to." in response.content.decode()
    response = clients["owner"].post(CREATE, {"project": "abc", "name": "API", "token": "t"})
    assert response.status_code == 200
    assert not ApiKey.objects.exists()


def test_at_the_limit_the_page_says_why():
    owner = account_with_owner(plan=PlanCode.FREE)
    client = login_client(owner.user, owner.account)
    project = Project.objects.create(account=owner.account, name="P")
    for _ in range(2):
        form = _create_form(client) | {"project": project.pk, "name": "k"}
        assert client.post(CREATE, form).status_code == 200
    page = client.get(LIST).content.decode()
    assert "Your Free plan allows 2 API keys." in page
    assert 'disabled title="Your Free plan allows 2 API keys."' in page
    response = client.post(CREATE, _create_form(client) | {"project": project.pk, "name": "k"})
    assert response.status_code == 200
    assert "Your Free plan allows 2 API keys." in response.content.decode()
    assert ApiKey.objects.count() == 2


def test_no_projects_yet_points_to_the_projects_page(clients):
    page = clients["owner"].get(LIST).content.decode()
    assert "Create a project" in page
    assert "Create key" not in page


def test_delete_asks_first_then_stops_the_key(team, clients, issue_key):
    issued = issue_key()
    url = reverse("apikeys:delete", args=[issued.api_key.pk])
    warning = "This action cannot be undone. Applications using this key will stop working."
    page = clients["owner"].get(LIST).content.decode()
    assert warning in page
    assert f'<dialog id="delete-key-{issued.api_key.pk}"' in page
    assert warning in clients["owner"].get(url).content.decode()
    assert authenticate(issued.secret)

    response = clients["owner"].post(url, follow=True)
    assert "Deleted the key Backend key." in response.content.decode()
    with pytest.raises(Exception, match="Authentication error"):
        authenticate(issued.secret)
    assert "Backend key" not in clients["owner"].get(LIST).content.decode()
    assert clients["owner"].post(url).status_code == 404


def test_foreign_and_reader_access_to_delete(team, clients, issue_key):
    issued = issue_key()
    url = reverse("apikeys:delete", args=[issued.api_key.pk])
    assert clients["outsider"].get(url).status_code == 404
    assert clients["outsider"].post(url).status_code == 404
    assert clients["reader"].get(url).status_code == 403
    assert clients["reader"].post(url).status_code == 403
    assert authenticate(issued.secret)


def test_a_removed_members_key_is_listed_and_works(team, clients, issue_key):
    issued = issue_key(actor=team.admin)
    Membership.objects.filter(user=team.admin, account=team.account).delete()
    page = clients["owner"].get(LIST).content.decode()
    assert "Backend key" in page
    assert authenticate(issued.secret)


def _queries_for_list(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST)
    assert response.status_code == 200
    return len(queries)


def test_the_page_runs_the_same_queries_for_2_and_25_keys(team, clients, issue_key, project):
    staging = Project.objects.create(account=team.account, name="Staging")
    users = [team.owner, team.admin]
    for i in range(2):
        issue_key(f"k{i}", actor=users[i % 2], on=[project, staging][i % 2])
    with_two = _queries_for_list(clients["owner"])
    for i in range(2, 25):
        issue_key(f"k{i}", actor=users[i % 2], on=[project, staging][i % 2])
    ApiKey.objects.update(last_used_at=timezone.now())
    with_25 = _queries_for_list(clients["owner"])
    assert with_two == with_25
