"""The official `assemblyai` SDK against a live server for the rest of the v2 contract (E3):
exports, remote audio URLs behind the SSRF guard, webhooks with retries."""

import json

import assemblyai as aai
import httpx
import pytest

from config.celery import app
from tests.transcripts.test_contract import LIST_TIMESTAMP, assert_reference_shape
from transcripts.models import Transcript

pytestmark = pytest.mark.django_db(transaction=True)

PUNCTUATION = set(".,!?;:")


def raw(transcript_id: str) -> dict:
    """The server's own JSON for a transcript (the SDK's `json_response` is its model, re-dumped)."""
    response = httpx.get(
        f"{aai.settings.base_url}/v2/transcript/{transcript_id}",
        headers={"Authorization": aai.settings.api_key},
    )
    return response.json()


@pytest.fixture
def sdk(live_server, eager_celery, api_world):
    saved = (aai.settings.base_url, aai.settings.api_key, aai.settings.polling_interval)
    aai.settings.base_url = live_server.url
    aai.settings.polling_interval = 0.2
    aai.settings.api_key = api_world.secret
    yield
    aai.settings.base_url, aai.settings.api_key, aai.settings.polling_interval = saved


def test_the_sdk_reads_sentences_paragraphs_subtitles_and_searches(sdk, speech_wav):
    transcript = aai.Transcriber().transcribe(str(speech_wav))
    assert transcript.status == aai.TranscriptStatus.completed, transcript.error
    assert_reference_shape(raw(transcript.id))
    words = transcript.words
    assert words

    sentences = transcript.get_sentences()
    assert [w.text for s in sentences for w in s.words] == [w.text for w in words]
    assert sentences[0].start == words[0].start
    paragraphs = transcript.get_paragraphs()
    assert " ".join(p.text for p in paragraphs) == " ".join(w.text for w in words)

    srt = transcript.export_subtitles_srt(chars_per_caption=20)
    cues = srt.strip().split("\n\n")
    assert cues[0].startswith("1\n00:00:")
    assert all(len(cue.split("\n", 2)[2]) <= 20 or " " not in cue.split("\n", 2)[2] for cue in cues)
    vtt = transcript.export_subtitles_vtt()
    assert vtt.startswith("WEBVTT\n\n00:00:")

    first = words[0].text
    found = transcript.word_search([first, "zzzz-not-said"])
    assert found[0].text == first and found[0].count >= 1 and 0 in found[0].indexes
    assert found[0].timestamps[0] == (words[0].start, words[0].end)
    assert found[1].count == 0

    listed = aai.Transcriber().list_transcripts()
    assert LIST_TIMESTAMP.match(listed.transcripts[0].created)
    assert LIST_TIMESTAMP.match(listed.transcripts[0].completed)
    assert aai.Transcript.delete_by_id(transcript.id).text == "Deleted by user."
    with pytest.raises(aai.types.TranscriptError) as refused:
        transcript.get_sentences()
    assert refused.value.status_code == 400


def test_the_sdk_transcribes_a_url_and_the_webhook_is_retried(
    sdk, speech_wav, local_http, loopback_allowed, settings
):
    settings.WEBHOOK_RETRIES = 3
    # Eager Celery runs a task's retry at once (no countdown) unless failures propagate.
    app.conf.task_eager_propagates = False
    local_http.routes["/speech.wav"] = (200, {}, speech_wav.read_bytes())
    # The receiver fails once, then takes it.
    local_http.routes["/hook"] = [(500, {}, b""), (200, {}, b"")]
    config = aai.TranscriptionConfig(
        punctuate=False,
        format_text=False,
        word_boost=["speech", "recognition"],
        webhook_url=local_http.url("/hook"),
        webhook_auth_header_name="X-Hook-Token",
        webhook_auth_header_value="s3cret-token",
    )
    transcript = aai.Transcriber(config=config).transcribe(local_http.url("/speech.wav"))
    assert transcript.status == aai.TranscriptStatus.completed, transcript.error
    body = raw(transcript.id)
    assert_reference_shape(body)
    assert body["audio_url"] == local_http.url("/speech.wav")
    assert body["audio_duration"] >= 4
    assert (body["punctuate"], body["format_text"], body["webhook_auth"]) == (False, False, True)
    assert "s3cret" not in json.dumps(body)
    assert transcript.text == transcript.text.lower()
    assert not PUNCTUATION & set(transcript.text)

    hooks = [r for r in local_http.received if r.path == "/hook"]
    assert len(hooks) == 2
    for hook in hooks:
        assert hook.method == "POST"
        assert json.loads(hook.body) == {"transcript_id": transcript.id, "status": "completed"}
        assert hook.headers["X-Hook-Token"] == "s3cret-token"
    assert Transcript.objects.get(pk=transcript.id).webhook_status_code == 200


def test_a_url_the_guard_refuses_ends_the_transcript_with_a_clear_error(
    sdk, speech_wav, local_http
):
    """Without the allow setting: a name resolving to 127.0.0.1, and a webhook there too."""
    local_http.routes["/speech.wav"] = (200, {}, speech_wav.read_bytes())
    config = aai.TranscriptionConfig(webhook_url=local_http.url("/hook"))
    url = local_http.url("/speech.wav", host="localhost")
    transcript = aai.Transcriber(config=config).transcribe(url)
    assert transcript.status == aai.TranscriptStatus.error
    assert "audio_url could not be fetched" in transcript.error
    assert "network this server does not connect to" in transcript.error
    assert local_http.received == []
    stored = Transcript.objects.get(pk=transcript.id)
    assert stored.webhook_status_code is None


def test_a_failed_download_ends_the_transcript_with_a_clear_error(
    sdk, local_http, loopback_allowed
):
    transcript = aai.Transcriber().transcribe(local_http.url("/missing.wav"))
    assert transcript.status == aai.TranscriptStatus.error
    assert transcript.error == "audio_url could not be fetched: The server answered HTTP 404."
