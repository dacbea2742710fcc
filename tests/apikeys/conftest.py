import pytest

from apikeys.services import apikey_create
from projects.models import Project


@pytest.fixture
def project(team):
    return Project.objects.create(account=team.account, name="Production")


@pytest.fixture
def issue_key(team, project):
    """Issue a key through the service; returns IssuedKey (the key and its secret)."""

    def issue(name="Backend key", *, on=None, actor=None, account=None):
        on = on or project
        return apikey_create(
            account=account or on.account, actor=actor or team.owner, project=on, name=name
        )

    return issue
