import pytest

from projects.models import Project


@pytest.fixture
def make_project(team):
    """A live project in the team's account (or another account)."""

    def make(name="Production", account=None):
        return Project.objects.create(account=account or team.account, name=name)

    return make


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Each test stores uploads in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
