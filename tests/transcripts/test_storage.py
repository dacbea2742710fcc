"""Uploaded files live in Django's default storage, wherever it is configured."""

from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import Client

from projects.services import project_delete
from transcripts import storage
from transcripts.models import Transcript, Upload

pytestmark = pytest.mark.django_db


def _upload(world, content: bytes, who="own") -> Upload:
    response = Client().generic(
        "POST", "/v2/upload", content, content_type="application/octet-stream", **world.auth(who)
    )
    assert response.status_code == 200, response.content
    return Upload.objects.get(pk=response.json()["upload_url"].rsplit("/", 1)[1])


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


@pytest.fixture
def elsewhere(settings, tmp_path):
    """The default storage moved away from MEDIA_ROOT, as a deployment may configure it."""
    location = tmp_path / "elsewhere"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    return location


def test_files_are_stored_read_and_removed_through_the_default_storage(
    team, api_world, elsewhere, settings, django_capture_on_commit_callbacks
):
    upload = _upload(api_world, b"RIFF-first")
    stored = elsewhere / upload.path
    assert stored.read_bytes() == b"RIFF-first"
    assert not _files(Path(settings.MEDIA_ROOT))

    response = Client().get(f"/v2/upload/{upload.pk}", **api_world.auth())
    assert b"".join(response.streaming_content) == b"RIFF-first"

    # Deleting a finished transcript removes its file once committed.
    client = Client()
    created = client.post(
        "/v2/transcript",
        {"audio_url": f"http://testserver/v2/upload/{upload.pk}"},
        content_type="application/json",
        **api_world.auth(),
    )
    Transcript.objects.filter(pk=created.json()["id"]).update(status="completed")
    with django_capture_on_commit_callbacks(execute=True):
        client.delete(f"/v2/transcript/{created.json()['id']}", **api_world.auth())
    assert not stored.exists()

    # Deleting the project removes its folder; another project's files stay.
    spare = _upload(api_world, b"RIFF-spare")
    theirs = _upload(api_world, b"RIFF-theirs", who="sibling")
    with django_capture_on_commit_callbacks(execute=True):
        project_delete(account=team.account, actor=team.owner, project=api_world.project)
    assert not (elsewhere / spare.path).exists()
    assert not (elsewhere / storage.project_folder(api_world.project.pk)).exists()
    assert (elsewhere / theirs.path).read_bytes() == b"RIFF-theirs"


def test_an_account_deletion_removes_the_files_of_the_projects_it_names(
    api_world, elsewhere, django_capture_on_commit_callbacks
):
    mine = _upload(api_world, b"RIFF-mine")
    theirs = _upload(api_world, b"RIFF-theirs", who="sibling")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        storage.delete_project_files_on_commit([api_world.project.pk])
        # Nothing goes before the commit.
        assert (elsewhere / mine.path).exists()
    assert not (elsewhere / mine.path).exists()
    assert (elsewhere / theirs.path).exists()


@pytest.fixture
def in_memory(settings):
    """A storage with no local paths at all, like an object store."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }


def test_speech_in_a_storage_without_paths_is_transcribed_from_a_copy(
    api_world, in_memory, eager_celery, speech_wav, settings, django_capture_on_commit_callbacks
):
    upload = _upload(api_world, speech_wav.read_bytes())
    assert default_storage.exists(upload.path)
    assert not _files(Path(settings.MEDIA_ROOT))
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/v2/transcript",
            {"audio_url": f"http://testserver/v2/upload/{upload.pk}"},
            content_type="application/json",
            **api_world.auth(),
        )
    transcript = Transcript.objects.get(pk=response.json()["id"])
    assert transcript.status == "completed", transcript.error
    assert transcript.text
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.delete(f"/v2/transcript/{transcript.pk}", **api_world.auth()).status_code == 200
        )
    assert not default_storage.exists(upload.path)
