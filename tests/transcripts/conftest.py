import pytest

from tests.transcripts.api_support import build_api_world


@pytest.fixture
def api_world(team):
    return build_api_world(team)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Each test stores uploads in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
