from datetime import timedelta

import pytest
from django.utils import timezone

from apikeys.models import AdminKey
from apikeys.services import apikey_create
from projects.models import Project
from tests.console.api_support import Api, issue_admin_key


@pytest.fixture
def api(team):
    """The team account's Admin-role admin key, made by its Owner."""
    return Api(issue_admin_key(team.account, team.owner, role="admin", name="CI"))


@pytest.fixture
def reader_api(team):
    return Api(issue_admin_key(team.account, team.owner, role="reader", name="Dashboards"))


@pytest.fixture
def outsider_api(team):
    """An Admin-role key of another account."""
    return Api(issue_admin_key(team.outsider_account, team.outsider, role="admin"))


@pytest.fixture
def expired_api(team):
    secret = issue_admin_key(team.account, team.owner, role="admin", name="Old")
    AdminKey.objects.filter(name="Old").update(expires_at=timezone.now() - timedelta(minutes=1))
    return Api(secret)


@pytest.fixture
def project_key_api(team):
    """A project key (ak_live_…) sent to the admin API."""
    project = Project.objects.create(account=team.account, name="Keyed")
    issued = apikey_create(account=team.account, actor=team.owner, project=project, name="k")
    return Api(issued.secret)
