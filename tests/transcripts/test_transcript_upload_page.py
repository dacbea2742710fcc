"""Transcribe a file, or delete a transcript, from the Transcripts pages (Owners and Admins)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import AuditEvent
from reporting.models import UsageEvent
from tests.transcripts.api_support import HEARD, stored_transcript
from transcripts.models import Transcript, Upload

pytestmark = pytest.mark.django_db


def _url(project):
    return f"/projects/{project.pk}/transcripts/new/"


def _wav(path: Path, name="meeting.wav"):
    return SimpleUploadedFile(name, path.read_bytes(), content_type="audio/wav")


def test_an_admin_uploads_a_file_and_its_transcript_completes(
    clients, api_world, eager_celery, speech_wav, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = clients["admin"].post(_url(api_world.project), {"audio": _wav(speech_wav)})
    transcript = Transcript.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{api_world.project.pk}/transcripts/{transcript.pk}/"
    assert transcript.project == api_world.project and transcript.api_key is None
    assert transcript.status == "completed", transcript.error
    assert set(transcript.text.split()) & HEARD, transcript.text
    assert transcript.audio_url == f"http://testserver/v2/upload/{transcript.upload_id}"

    # The project's keys read it through the API like any other of its transcripts.
    body = Client().get(f"/v2/transcript/{transcript.pk}", **api_world.auth()).json()
    assert body["text"] == transcript.text
    # Usage counts for the project, with no key.
    event = UsageEvent.objects.get()
    assert (event.project_id, event.api_key_id) == (api_world.project.pk, None)

    audit = AuditEvent.objects.get(action="transcript.create")
    assert audit.actor.email == "admin@acme.test"
    assert audit.metadata["file"] == "meeting.wav"
    detail = clients["reader"].get(response["Location"]).content.decode()
    assert "Console upload" in detail


def test_the_transcripts_page_offers_the_upload_to_managers_only(clients, api_world):
    list_url = f"/projects/{api_world.project.pk}/transcripts/"
    assert 'id="transcribe-file"' in clients["admin"].get(list_url).content.decode()
    assert 'id="transcribe-file"' not in clients["reader"].get(list_url).content.decode()
    form = clients["owner"].get(_url(api_world.project)).content.decode()
    assert 'enctype="multipart/form-data"' in form


def test_a_reader_or_another_account_cannot_upload(clients, api_world, speech_wav):
    assert (
        clients["reader"].post(_url(api_world.project), {"audio": _wav(speech_wav)}).status_code
        == 403
    )
    assert (
        clients["outsider"].post(_url(api_world.project), {"audio": _wav(speech_wav)}).status_code
        == 404
    )
    assert not Upload.objects.exists() and not Transcript.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose an audio file to transcribe."),
        ({"audio": SimpleUploadedFile("empty.wav", b"")}, "The file is empty."),
    ],
)
def test_a_missing_or_empty_file_is_explained_and_changes_nothing(
    clients, api_world, data, message
):
    response = clients["admin"].post(_url(api_world.project), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Upload.objects.exists() and not Transcript.objects.exists()
    assert not AuditEvent.objects.filter(action="transcript.create").exists()


# Just over the cap the service counts the bytes it stores; far over, the view
# refuses on Content-Length before the body is read.
@pytest.mark.parametrize("size", [4096, 200 * 1024])
def test_a_file_over_the_cap_is_refused_and_nothing_is_kept(clients, api_world, settings, size):
    settings.API_MAX_UPLOAD_BYTES = 1024
    response = clients["admin"].post(
        _url(api_world.project), {"audio": SimpleUploadedFile("big.wav", b"x" * size)}
    )
    assert response.status_code == 400
    assert "larger than this server accepts" in response.content.decode()
    assert not Upload.objects.exists() and not Transcript.objects.exists()
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_non_audio_bytes_end_the_transcript_in_error_not_a_500(
    clients, api_world, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = clients["admin"].post(
            _url(api_world.project), {"audio": SimpleUploadedFile("notes.txt", b"not audio at all")}
        )
    assert response.status_code == 302
    transcript = Transcript.objects.get()
    assert transcript.status == "error" and transcript.error
    assert not UsageEvent.objects.exists()


def test_a_manager_deletes_a_transcript_and_its_audio_from_the_page(
    clients, api_world, django_capture_on_commit_callbacks
):
    transcript = stored_transcript(api_world.project, api_world.key, text="private words")
    audio = Path(settings.MEDIA_ROOT) / transcript.upload.path
    assert audio.exists()
    detail = f"/projects/{api_world.project.pk}/transcripts/{transcript.pk}/"
    assert 'id="delete-transcript"' not in clients["reader"].get(detail).content.decode()
    assert clients["reader"].post(detail + "delete/").status_code == 403
    confirm = clients["owner"].get(detail + "delete/").content.decode()
    assert "cannot be undone" in confirm

    with django_capture_on_commit_callbacks(execute=True):
        response = clients["owner"].post(detail + "delete/", follow=True)
    assert "Deleted the transcript" in response.content.decode()
    transcript.refresh_from_db()
    assert transcript.is_deleted and transcript.text is None and transcript.words is None
    assert not audio.exists()
    audit = AuditEvent.objects.get(action="transcript.delete")
    assert audit.actor.email == "owner@acme.test" and audit.target_id == str(transcript.pk)
    # The project's keys see it deleted, as after DELETE /v2/transcript/{id}.
    body = Client().get(f"/v2/transcript/{transcript.pk}", **api_world.auth()).json()
    assert body["text"] == "Deleted by user."


def test_a_transcript_still_being_processed_cannot_be_deleted(clients, api_world):
    transcript = stored_transcript(api_world.project, api_world.key, status="processing")
    detail = f"/projects/{api_world.project.pk}/transcripts/{transcript.pk}/"
    response = clients["admin"].post(detail + "delete/", follow=True)
    assert "still being processed" in response.content.decode()
    transcript.refresh_from_db()
    assert not transcript.is_deleted
    assert not AuditEvent.objects.filter(action="transcript.delete").exists()
