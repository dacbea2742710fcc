from pathlib import Path

import pytest

from projects.models import Project
from tests.projects.api_support import build_api_world, espeak


@pytest.fixture
def make_project(team):
    """A live project in the team's account (or another account)."""

    def make(name="Production", account=None):
        return Project.objects.create(account=account or team.account, name=name)

    return make


@pytest.fixture
def api_world(team):
    return build_api_world(team)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Each test stores uploads in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()


@pytest.fixture
def eager_celery(settings):
    """Run Celery tasks in-process, at the commit that enqueues them."""
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory) -> Path:
    return espeak(tmp_path_factory.mktemp("speech") / "speech.wav")
