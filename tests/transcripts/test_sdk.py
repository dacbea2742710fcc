"""The official `assemblyai` SDK, unchanged, against a live test server (API1, P2, P3)."""

import assemblyai as aai
import pytest
from django.utils import timezone

from apikeys.models import ApiKey
from reporting.models import UsageEvent
from tests.transcripts.api_support import HEARD, encode, share_heard
from transcripts.models import Transcript

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sdk(live_server, eager_celery):
    """The SDK pointed at the live server (it adds /v2/... to the base URL itself)."""
    saved = (aai.settings.base_url, aai.settings.api_key, aai.settings.polling_interval)
    aai.settings.base_url = live_server.url
    aai.settings.polling_interval = 0.2

    def use(secret):
        aai.settings.api_key = secret

    yield use
    aai.settings.base_url, aai.settings.api_key, aai.settings.polling_interval = saved


def test_the_sdk_transcribes_lists_gets_and_deletes(sdk, api_world, speech_wav):
    sdk(api_world.secret)
    transcript = aai.Transcriber().transcribe(str(speech_wav))
    assert transcript.status == aai.TranscriptStatus.completed, transcript.error
    assert transcript.text
    assert set(transcript.text.split()) & HEARD, transcript.text
    assert share_heard(transcript.text) >= 0.6, transcript.text
    assert isinstance(transcript.json_response["audio_duration"], int)
    assert transcript.json_response["audio_duration"] >= 4
    assert transcript.words and transcript.words[0].end > transcript.words[0].start
    assert transcript.json_response["speech_model_used"] == "faster-whisper"
    assert transcript.audio_url.startswith(aai.settings.base_url + "/v2/upload/")

    fetched = aai.Transcript.get_by_id(transcript.id)
    assert fetched.text == transcript.text

    listed = aai.Transcriber().list_transcripts()
    assert [item.id for item in listed.transcripts] == [transcript.id]
    assert listed.page_details.result_count == 1
    assert listed.transcripts[0].status == aai.TranscriptStatus.completed

    assert UsageEvent.objects.filter(idempotency_key=f"transcript:{transcript.id}").count() == 1

    deleted = aai.Transcript.delete_by_id(transcript.id)
    assert deleted.text == "Deleted by user."
    assert deleted.audio_url == "http://deleted_by_user"
    assert aai.Transcript.get_by_id(transcript.id).text == "Deleted by user."


def test_the_sdk_transcribes_an_mp3(sdk, api_world, speech_wav, tmp_path):
    sdk(api_world.secret)
    mp3 = encode(speech_wav, tmp_path / "speech.mp3", "mp3")
    transcript = aai.Transcriber().transcribe(str(mp3))
    assert transcript.status == aai.TranscriptStatus.completed, transcript.error
    assert share_heard(transcript.text) >= 0.6, transcript.text
    assert transcript.json_response["audio_duration"] == 5
    assert {round(word.confidence, 4) for word in transcript.words} != {1.0}


def test_unreadable_audio_comes_back_as_an_error_transcript(sdk, api_world):
    sdk(api_world.secret)
    transcript = aai.Transcriber().transcribe(b"this is not audio at all" * 20)
    assert transcript.status == aai.TranscriptStatus.error
    assert "not audio this server can read" in transcript.error
    assert not UsageEvent.objects.exists()


def test_other_projects_keys_and_deleted_keys_are_refused(sdk, api_world, speech_wav):
    sdk(api_world.secret)
    transcriber = aai.Transcriber()
    upload_url = transcriber.upload_file(str(speech_wav))
    mine = transcriber.submit(upload_url)
    assert mine.status == aai.TranscriptStatus.queued
    mine.wait_for_completion()

    # Another project of the same account, then another account.
    for secret in (api_world.sibling_secret, api_world.foreign_secret):
        sdk(secret)
        with pytest.raises(aai.types.TranscriptError) as caught:
            aai.Transcript.get_by_id(mine.id)
        assert caught.value.status_code == 404
        assert "Transcript not found" in str(caught.value)
        with pytest.raises(aai.types.TranscriptError) as caught:
            aai.Transcriber().transcribe(upload_url)
        assert caught.value.status_code == 403
        assert "Cannot access uploaded file" in str(caught.value)
        with pytest.raises(aai.types.TranscriptError) as caught:
            aai.Transcript.delete_by_id(mine.id)
        assert caught.value.status_code == 404
        assert aai.Transcriber().list_transcripts().transcripts == []

    # A deleted key stops working at once.
    ApiKey.objects.filter(pk=api_world.key.pk).update(deleted_at=timezone.now())
    sdk(api_world.secret)
    with pytest.raises(aai.types.TranscriptError) as caught:
        aai.Transcript.get_by_id(mine.id)
    assert caught.value.status_code == 401
    with pytest.raises(aai.types.AssemblyAIError) as caught:
        aai.Transcriber().list_transcripts()
    assert caught.value.status_code == 401
    with pytest.raises(aai.types.TranscriptError) as caught:
        aai.Transcriber().transcribe(str(speech_wav))
    assert caught.value.status_code == 401
    assert Transcript.objects.get(pk=mine.id).deleted_at is None
