"""A link to a deleted object, or to one in another of the user's accounts, is a 404 with a way on."""

import re

import pytest
from django.urls import reverse

from accounts.models import Membership
from accounts.permissions import Role
from apikeys.services import apikey_create, apikey_delete
from projects.models import Project
from projects.services import project_delete
from tests.conftest import login_client
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def _main(page: str) -> str:
    return re.search(r"<main.*</main>", page, re.S).group(0)


def test_a_deleted_key_says_it_was_deleted_by_whom(team, clients):
    project = Project.objects.create(account=team.account, name="Production")
    issued = apikey_create(
        account=team.account, actor=team.owner, project=project, name="Batch jobs"
    )
    apikey_delete(account=team.account, actor=team.owner, api_key=issued.api_key)
    response = clients["admin"].get(reverse("apikeys:delete", args=[issued.api_key.pk]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "This API key was deleted" in page
    assert "<strong>Batch jobs</strong> was deleted on" in page and "by owner@acme.test" in page
    # Who did it is the audit log's to tell, which Readers do not see.
    response = clients["reader"].get(reverse("apikeys:detail", args=[issued.api_key.pk]))
    page = response.content.decode()
    assert "<strong>Batch jobs</strong> was deleted on" in page
    assert "owner@acme.test" not in _main(page)


def test_a_deleted_projects_pages_say_so(team, clients):
    project = Project.objects.create(account=team.account, name="Old app")
    project_delete(account=team.account, actor=team.owner, project=project)
    response = clients["reader"].get(reverse("transcripts:list", args=[project.pk]))
    assert response.status_code == 404
    assert "This project was deleted" in response.content.decode()
    assert "Old app" in response.content.decode()


def test_an_object_in_another_of_my_accounts_offers_a_switch(team):
    studio = AccountFactory(name="Rita's Studio")
    Membership.objects.create(account=studio, user=team.admin, role=Role.ADMIN)
    project = Project.objects.create(account=studio, name="Podcast")
    url = reverse("transcripts:list", args=[project.pk])
    client = login_client(team.admin, team.account)
    response = client.get(url)
    assert response.status_code == 404
    page = response.content.decode()
    assert "This project is in Rita&#x27;s Studio" in page
    assert f'action="{reverse("accounts:switch")}"' in page and 'method="post"' in page
    assert f'name="account" value="{studio.pk}"' in page and f'name="next" value="{url}"' in page
    # The switch lands on the object.
    switched = client.post(reverse("accounts:switch"), {"account": studio.pk, "next": url})
    assert switched["Location"] == url
    assert client.get(url).status_code == 200


def test_nobody_learns_of_an_account_they_do_not_belong_to(team, clients):
    theirs = Project.objects.create(account=team.outsider_account, name="Secret plans")
    gone = Project.objects.create(account=team.outsider_account, name="Secret old")
    project_delete(account=team.outsider_account, actor=team.outsider, project=gone)
    missing = clients["owner"].get(reverse("transcripts:list", args=[999_999]))
    for project in (theirs, gone):
        response = clients["owner"].get(reverse("transcripts:list", args=[project.pk]))
        assert response.status_code == 404
        page = response.content.decode()
        assert "Secret" not in page and "Other Co" not in page
        assert 'id="not-here"' not in page
        # Exactly as for an id that never existed.
        assert _main(page) == _main(missing.content.decode())
