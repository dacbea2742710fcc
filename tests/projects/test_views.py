"""The Projects page: list, create, inline rename, delete with a confirm dialog (P1, P4)."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.plans import PlanCode
from apikeys.services import apikey_create
from projects.models import Project
from tests.conftest import login_client
from tests.factories import account_with_owner

pytestmark = pytest.mark.django_db

LIST = reverse("projects:list")
CREATE = reverse("projects:create")


def test_list_shows_projects_with_key_counts(team, clients, make_project):
    production = make_project("Production")
    make_project("Staging")
    make_project("Theirs", account=team.outsider_account)
    for i in range(3):
        apikey_create(account=team.account, actor=team.owner, project=production, name=f"k{i}")
    page = clients["admin"].get(LIST).content.decode()
    assert "Production" in page and "Staging" in page
    assert "Theirs" not in page
    assert f'href="{reverse("apikeys:list")}?project={production.pk}">3</a>' in page
    assert "Create project" in page
    assert reverse("projects:delete", args=[production.pk]) in page
    assert reverse("projects:rename", args=[production.pk]) in page


def test_readers_see_the_list_without_controls(clients, make_project):
    project = make_project("Production")
    page = clients["reader"].get(LIST).content.decode()
    assert "Production" in page
    assert "Create project" not in page
    assert reverse("projects:delete", args=[project.pk]) not in page
    assert reverse("projects:rename", args=[project.pk]) not in page
    assert "<dialog" not in page


def test_create_redirects_to_the_list(clients, team):
    response = clients["owner"].post(CREATE, {"name": "Development"}, follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    assert "Created the project Development." in response.content.decode()
    assert Project.objects.for_account(team.account).get().name == "Development"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter a name for the project."),
        ("   ", "Enter a name for the project."),
        ("x" * 200, "Use at most 100 characters"),
        ("production", "A project named “production” already exists."),
    ],
)
def test_bad_names_get_a_message_and_change_nothing(clients, make_project, name, message):
    make_project("Production")
    response = clients["admin"].post(CREATE, {"name": name})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Project.objects.count() == 1


def test_at_the_limit_the_page_says_why_and_the_button_is_disabled():
    owner = account_with_owner(plan=PlanCode.FREE)
    client = login_client(owner.user, owner.account)
    for name in ("A", "B"):
        Project.objects.create(account=owner.account, name=name)
    page = client.get(LIST).content.decode()
    assert "Your Free plan allows 2 projects." in page
    assert 'disabled title="Your Free plan allows 2 projects."' in page

    # A stale page that still posts gets the message, not an error.
    response = client.post(CREATE, {"name": "C"})
    assert response.status_code == 200
    assert "Your Free plan allows 2 projects." in response.content.decode()
    assert Project.objects.for_account(owner.account).count() == 2


def test_rename_without_javascript(clients, make_project):
    project = make_project("Dev")
    url = reverse("projects:rename", args=[project.pk])
    page = clients["admin"].get(url).content.decode()
    assert 'value="Dev"' in page
    response = clients["admin"].post(url, {"name": ""})
    assert response.status_code == 200
    assert "Enter a name for the project." in response.content.decode()
    response = clients["admin"].post(url, {"name": "Development"})
    assert response.status_code == 302 and response["Location"] == LIST
    project.refresh_from_db()
    assert project.name == "Development"


def test_rename_with_htmx_returns_the_row(clients, make_project):
    make_project("Production")
    project = make_project("Dev")
    url = reverse("projects:rename", args=[project.pk])
    response = clients["admin"].post(url, {"name": "Development"}, HTTP_HX_REQUEST="true")
    fragment = response.content.decode()
    assert fragment.lstrip().startswith(f'<tr id="project-{project.pk}">')
    assert "Development" in fragment and "Renamed" in fragment
    assert "<html" not in fragment

    response = clients["admin"].post(url, {"name": "PRODUCTION"}, HTTP_HX_REQUEST="true")
    fragment = response.content.decode()
    assert "already exists" in fragment and " open>" in fragment
    project.refresh_from_db()
    assert project.name == "Development"


def test_delete_asks_first_then_deletes(clients, team, make_project):
    project = make_project("Production")
    url = reverse("projects:delete", args=[project.pk])
    page = clients["owner"].get(LIST).content.decode()
    # The dialog on the page and the confirm page say what goes and what stays.
    for text in (page, clients["owner"].get(url).content.decode()):
        assert "applications using them stop working at once" in text
        assert "uploaded files and transcripts are deleted" in text
        assert "usage history stays in reports" in text
    assert f'data-dialog="delete-project-{project.pk}"' in page
    assert f'<dialog id="delete-project-{project.pk}"' in page
    assert Project.objects.for_account(team.account).exists()

    response = clients["owner"].post(url, follow=True)
    assert "Deleted the project Production." in response.content.decode()
    assert not Project.objects.for_account(team.account).exists()
    assert AuditEvent.objects.filter(action="project.delete").count() == 1
    # Gone: its pages are 404 now.
    assert clients["owner"].post(url).status_code == 404
    assert clients["owner"].get(reverse("projects:rename", args=[project.pk])).status_code == 404


def test_foreign_projects_are_404(clients, make_project, team):
    theirs = make_project("Theirs", account=team.outsider_account)
    for name in ("projects:rename", "projects:delete"):
        url = reverse(name, args=[theirs.pk])
        assert clients["owner"].get(url).status_code == 404
        assert clients["owner"].post(url, {"name": "Mine"}).status_code == 404
    theirs.refresh_from_db()
    assert (theirs.name, theirs.deleted_at) == ("Theirs", None)


def test_readers_get_403_on_the_confirm_and_rename_pages(clients, make_project):
    project = make_project()
    assert clients["reader"].get(reverse("projects:delete", args=[project.pk])).status_code == 403
    assert clients["reader"].get(reverse("projects:rename", args=[project.pk])).status_code == 403
