"""What a service refuses reaches the API caller with its status and the reference's error shape."""

import json

import pytest
from django.test import Client

from tests.transcripts.api_support import stored_transcript, stored_upload
from transcripts import errors, services
from transcripts.api import STATUS_OF, status_of
from transcripts.models import Upload
from transcripts.options import TranscriptOptions

pytestmark = pytest.mark.django_db

WAV_HEADER = b"RIFF\x24\x00\x00\x00WAVEfmt "


def _answer(response) -> tuple[int, str, dict]:
    return response.status_code, response["Content-Type"], response.json()


def test_a_transcript_still_processing_cannot_be_deleted_400(api_world):
    transcript = stored_transcript(api_world.project, api_world.key, status="processing")
    with pytest.raises(errors.NotFinished) as refused:
        services.transcript_delete(api_key=api_world.key, transcript=transcript)
    response = Client().delete(f"/v2/transcript/{transcript.pk}", **api_world.auth())
    assert _answer(response) == (400, "application/json", {"error": refused.value.message})


def test_a_language_the_engine_cannot_do_400(api_world):
    upload = stored_upload(api_world.project, api_world.key)
    with pytest.raises(errors.UnsupportedLanguage) as refused:
        services.transcript_create(
            api_key=api_world.key,
            upload=upload,
            audio_url="x",
            options=TranscriptOptions(language_code="fr"),
        )
    response = Client().post(
        "/v2/transcript",
        json.dumps(
            {"audio_url": f"http://testserver/v2/upload/{upload.pk}", "language_code": "fr"}
        ),
        content_type="application/json",
        **api_world.auth(),
    )
    assert _answer(response) == (400, "application/json", {"error": refused.value.message})


def test_a_file_over_the_cap_413(api_world, settings):
    settings.API_MAX_UPLOAD_BYTES = 10
    with pytest.raises(errors.TooLarge) as refused:
        services.upload_create(api_key=api_world.key, stream=_Body(b"x" * 11), content_length=None)
    response = Client().generic(
        "POST",
        "/v2/upload",
        b"x" * 11,
        content_type="application/octet-stream",
        **api_world.auth(),
    )
    assert _answer(response) == (413, "application/json", {"error": refused.value.message})
    assert not Upload.objects.exists()


def test_another_projects_upload_403(api_world):
    theirs = stored_upload(api_world.sibling, api_world.sibling_key)
    with pytest.raises(errors.UploadInaccessible) as refused:
        services.transcript_create(
            api_key=api_world.key,
            upload=theirs,
            audio_url="x",
            options=TranscriptOptions(),
        )
    response = Client().post(
        "/v2/transcript",
        {"audio_url": f"http://testserver/v2/upload/{theirs.pk}"},
        content_type="application/json",
        **api_world.auth(),
    )
    assert _answer(response) == (403, "application/json", {"error": refused.value.message})


def test_a_missing_transcript_404(api_world):
    response = Client().get(
        "/v2/transcript/00000000-0000-0000-0000-000000000000", **api_world.auth()
    )
    assert _answer(response) == (404, "application/json", {"error": "Transcript not found"})


@pytest.mark.parametrize(
    "error, status",
    [
        (errors.InvalidRequest, 400),
        (errors.UnsupportedLanguage, 400),
        (errors.UnsupportedOption, 400),
        (errors.NotCompleted, 400),
        (errors.NotFinished, 400),
        (errors.UploadInaccessible, 403),
        (errors.NotFound, 404),
        (errors.TooLarge, 413),
    ],
)
def test_every_domain_error_has_a_client_status(error, status):
    assert status_of(error("message")) == status


def test_no_domain_error_is_left_without_a_status():
    kinds = [
        kind
        for kind in vars(errors).values()
        if isinstance(kind, type) and issubclass(kind, errors.TranscriptError)
    ]
    for kind in kinds:
        if kind is not errors.TranscriptError:
            assert any(base in STATUS_OF for base in kind.__mro__), kind


class _Body:
    """A request body that never says how long it is."""

    def __init__(self, content: bytes):
        self.content = content

    def read(self, size=-1):
        part, self.content = self.content[:size], self.content[size:]
        return part
