"""Project create inline with htmx, as rename is; the plain form still works (B2)."""

import pytest
from django.urls import reverse

from accounts.plans import Resource, limit_message
from apikeys.models import ApiKey
from projects.models import Project
from tests.conftest import login_client
from tests.factories import account_with_owner

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def test_htmx_create_swaps_the_form_and_table_in_place(team, clients):
    response = clients["admin"].post(reverse("projects:create"), {"name": "Mobile"}, headers=HTMX)
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<div id="projects-area">') and "<html" not in fragment
    assert 'id="project-created">Created the project Mobile.<' in fragment
    project = Project.objects.get(account=team.account, name="Mobile")
    assert f'id="project-{project.pk}"' in fragment
    # An error stays on the form, in the fragment.
    again = clients["admin"].post(reverse("projects:create"), {"name": "mobile"}, headers=HTMX)
    assert "already exists" in again.content.decode()
    assert Project.objects.filter(account=team.account).count() == 1


def test_without_javascript_create_still_redirects_with_a_message(team, clients):
    response = clients["admin"].post(reverse("projects:create"), {"name": "Web"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("projects:list")
    assert "Created the project Web." in response.content.decode()
    page = clients["admin"].get(reverse("projects:list")).content.decode()
    assert 'hx-post="/projects/new/"' in page and 'action="/projects/new/"' in page


def test_a_forced_submit_at_the_limit_shows_the_limit_once(db):
    owner = account_with_owner(plan="free")
    client = login_client(owner.user, owner.account)
    for name in ("One", "Two"):
        client.post(reverse("projects:create"), {"name": name})
    message = limit_message(owner.account, Resource.PROJECTS)
    page = client.post(reverse("projects:create"), {"name": "Three"}).content.decode()
    assert page.count(message) == 2  # the notice, and the disabled button's title
    assert page.count(f"{message} Delete a project") == 1

    project = Project.objects.get(account=owner.account, name="One")
    for n in range(2):
        ApiKey.objects.create(project=project, name=f"K{n}", prefix=f"p{n}", digest=f"dg{n}")
    page = client.post(
        reverse("apikeys:create"), {"project": project.pk, "name": "Third"}
    ).content.decode()
    key_message = limit_message(owner.account, Resource.API_KEYS)
    assert page.count(f"{key_message} Delete a key") == 1
    assert page.count(key_message) == 2  # the notice, and the disabled button's title
