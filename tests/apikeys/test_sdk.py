"""Restricted and expired keys through the official `assemblyai` SDK, against a live server."""

from datetime import timedelta

import assemblyai as aai
import pytest
from django.utils import timezone

from apikeys.models import ApiKey
from tests.transcripts.api_support import make_key

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sdk(live_server, eager_celery, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    saved = (aai.settings.base_url, aai.settings.api_key, aai.settings.polling_interval)
    aai.settings.base_url = live_server.url
    aai.settings.polling_interval = 0.2

    def use(secret):
        aai.settings.api_key = secret

    yield use
    aai.settings.base_url, aai.settings.api_key, aai.settings.polling_interval = saved


def _refusal(call) -> str:
    """The error the SDK reports for a refused request (raised or on the transcript)."""
    try:
        result = call()
    except Exception as error:  # the SDK's own error types vary by call
        return str(error)
    return getattr(result, "error", None) or ""


def test_a_transcribe_key_transcribes_but_cannot_list_and_a_read_key_cannot_upload(
    sdk, team, speech_wav
):
    from projects.models import Project

    project = Project.objects.create(account=team.account, name="SDK")
    writer, writer_secret = make_key(project, "Writer")
    reader, reader_secret = make_key(project, "Reader")
    ApiKey.objects.filter(pk=writer.pk).update(scope="transcribe")
    ApiKey.objects.filter(pk=reader.pk).update(scope="read")

    sdk(writer_secret)
    transcript = aai.Transcriber().transcribe(str(speech_wav))
    assert transcript.status == aai.TranscriptStatus.completed, transcript.error
    assert aai.Transcript.get_by_id(transcript.id).text == transcript.text
    assert "needs the read or full scope" in _refusal(lambda: aai.Transcriber().list_transcripts())

    sdk(reader_secret)
    assert aai.Transcript.get_by_id(transcript.id).text == transcript.text
    assert [t.id for t in aai.Transcriber().list_transcripts().transcripts] == [transcript.id]
    assert "needs the transcribe or full scope" in _refusal(
        lambda: aai.Transcriber().transcribe(str(speech_wav))
    )
    assert "needs the full scope" in _refusal(lambda: aai.Transcript.delete_by_id(transcript.id))

    ApiKey.objects.filter(pk=reader.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert "API key expired" in _refusal(lambda: aai.Transcript.get_by_id(transcript.id))
