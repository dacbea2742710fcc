"""The reference v2 contract through HTTP (E3): options honoured or refused by name, the
Transcript schema's required fields, the exports, unused uploads cleaned up."""

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.transcripts.api_support import stored_transcript, stored_upload
from transcripts.engines import EngineOptions
from transcripts.housekeeping import uploads_purge_unused
from transcripts.models import Transcript, Upload
from transcripts.worker import engine_options, webhook_backoff

pytestmark = pytest.mark.django_db

# The reference Transcript schema's required fields and the JSON types they may take.
REQUIRED = {
    "id": (str,),
    "speech_model": (str, type(None)),
    "language_model": (str,),
    "acoustic_model": (str,),
    "status": (str,),
    "audio_url": (str,),
    "webhook_auth": (bool,),
    "auto_highlights": (bool,),
    "redact_pii": (bool,),
    "summarization": (bool,),
    "language_confidence_threshold": (float, int, type(None)),
    "language_confidence": (float, int, type(None)),
}
LIST_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?$")


def assert_reference_shape(body: dict) -> None:
    for name, types in REQUIRED.items():
        assert name in body, name
        assert isinstance(body[name], types), (name, body[name])
    for word in body["words"] or []:
        assert {"text", "start", "end", "confidence", "speaker"} <= set(word)
    if "error" in body:
        assert isinstance(body["error"], str)


@pytest.fixture
def client():
    return Client()


def create(client, world, **options):
    upload = stored_upload(world.project, world.key)
    body = {"audio_url": f"http://testserver/v2/upload/{upload.pk}", **options}
    return client.post(
        "/v2/transcript", json.dumps(body), content_type="application/json", **world.auth()
    )


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"punctuate": "yes"}, "punctuate"),
        ({"format_text": 1}, "format_text"),
        ({"word_boost": "hello"}, "word_boost"),
        ({"word_boost": ["ok", 3]}, "word_boost"),
        ({"boost_param": "max"}, "boost_param"),
        ({"audio_start_from": -1}, "audio_start_from"),
        ({"audio_end_at": 1.5}, "audio_end_at"),
        ({"audio_start_from": 500, "audio_end_at": 400}, "audio_end_at"),
        ({"webhook_url": "ftp://example.com/hook"}, "webhook_url"),
        ({"webhook_url": 7}, "webhook_url"),
        ({"webhook_url": "https://example.com/h", "webhook_auth_header_name": "X-A"}, "together"),
        (
            {
                "webhook_url": "https://e.com/h",
                "webhook_auth_header_name": "Bad Name",
                "webhook_auth_header_value": "v",
            },
            "webhook_auth_header_name",
        ),
        (
            {
                "webhook_url": "https://e.com/h",
                "webhook_auth_header_name": "X-A",
                "webhook_auth_header_value": "a\r\nInjected: 1",
            },
            "webhook_auth_header_value",
        ),
        ({"speaker_labels": True}, "speaker_labels"),
        ({"speaker_labels": "yes"}, "speaker_labels"),
        ({"redact_pii": True}, "redact_pii"),
        ({"summarization": True}, "summarization"),
        ({"auto_highlights": True}, "auto_highlights"),
        ({"speakers_expected": 2}, "speakers_expected"),
        ({"redact_pii_sub": "entity_name"}, "redact_pii_sub"),
        ({"language_detection": True}, "language_detection"),
        ({"language_code": "de"}, "language_code"),
        ({"made_up": 1}, "made_up"),
    ],
)
def test_wrong_types_and_unsupported_options_are_400s_that_name_them(
    client, api_world, options, named
):
    response = create(client, api_world, **options)
    assert response.status_code == 400, response.content
    assert named in response.json()["error"]
    assert not Transcript.objects.exists()


def test_options_that_ask_for_nothing_are_accepted(client, api_world):
    response = create(
        client,
        api_world,
        speaker_labels=False,
        redact_pii=None,
        redact_pii_sub="hash",
        summary_model="informative",
        custom_spelling=[],
        language_code=None,
        speech_threshold=0,
    )
    assert response.status_code == 200, response.content


def test_honoured_options_are_stored_echoed_and_reach_the_engine(client, api_world):
    response = create(
        client,
        api_world,
        punctuate=False,
        format_text=False,
        word_boost=["Stella", " snow peas "],
        boost_param="high",
        keyterms_prompt=["plastic snake"],
        audio_start_from=1000,
        audio_end_at=4000,
        webhook_url="https://hooks.example.com/done",
        webhook_auth_header_name="X-Hook-Token",
        webhook_auth_header_value="s3cret-token",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert_reference_shape(body)
    assert (body["punctuate"], body["format_text"]) == (False, False)
    assert body["word_boost"] == ["Stella", "snow peas"] and body["boost_param"] == "high"
    assert (body["audio_start_from"], body["audio_end_at"]) == (1000, 4000)
    assert body["webhook_url"] == "https://hooks.example.com/done"
    assert body["webhook_auth"] is True
    assert body["webhook_auth_header_name"] == "X-Hook-Token"
    assert "s3cret" not in response.content.decode()
    transcript = Transcript.objects.get(pk=body["id"])
    # SECURITY: sealed at rest, never in clear.
    assert "s3cret" not in transcript.webhook_auth_header_sealed
    assert engine_options(transcript) == EngineOptions(
        language_code="en_us",
        hotwords=("Stella", "snow peas", "plastic snake"),
        start_ms=1000,
        end_ms=4000,
    )
    fetched = client.get(f"/v2/transcript/{transcript.pk}", **api_world.auth()).json()
    assert fetched["webhook_auth"] is True and "s3cret" not in json.dumps(fetched)


def test_defaults_are_the_references(client, api_world):
    body = create(client, api_world).json()
    assert_reference_shape(body)
    assert (body["punctuate"], body["format_text"], body["webhook_auth"]) == (True, True, False)
    assert engine_options(Transcript.objects.get(pk=body["id"])) == EngineOptions()


def test_list_timestamps_follow_the_references_pattern(client, api_world):
    stored_transcript(api_world.project, api_world.key)
    item = client.get("/v2/transcript", **api_world.auth()).json()["transcripts"][0]
    assert LIST_TIMESTAMP.match(item["created"]), item["created"]
    assert LIST_TIMESTAMP.match(item["completed"]), item["completed"]


def _words():
    return [
        {"text": "Hello", "start": 0, "end": 300, "confidence": 0.9},
        {"text": "there.", "start": 350, "end": 700, "confidence": 0.7},
    ]


def test_exports_of_a_completed_transcript(client, api_world):
    transcript = stored_transcript(api_world.project, api_world.key, text="Hello there.")
    Transcript.objects.filter(pk=transcript.pk).update(words=_words(), confidence=0.8)
    base = f"/v2/transcript/{transcript.pk}"
    sentences = client.get(f"{base}/sentences", **api_world.auth()).json()
    assert sentences["id"] == str(transcript.pk) and sentences["audio_duration"] == 2.0
    assert [s["text"] for s in sentences["sentences"]] == ["Hello there."]
    paragraphs = client.get(f"{base}/paragraphs", **api_world.auth()).json()
    assert paragraphs["paragraphs"][0]["words"][1]["text"] == "there."
    srt = client.get(f"{base}/srt", {"chars_per_caption": 6}, **api_world.auth())
    assert srt["Content-Type"].startswith("text/plain")
    assert srt.content.decode() == (
        "1\n00:00:00,000 --> 00:00:00,300\nHello\n\n2\n00:00:00,350 --> 00:00:00,700\nthere.\n"
    )
    vtt = client.get(f"{base}/vtt", **api_world.auth()).content.decode()
    assert vtt == "WEBVTT\n\n00:00:00.000 --> 00:00:00.700\nHello there.\n"
    search = client.get(f"{base}/word-search", {"words": "THERE,nope"}, **api_world.auth())
    assert search.json() == {
        "id": str(transcript.pk),
        "total_count": 1,
        "matches": [
            {"text": "THERE", "count": 1, "timestamps": [[350, 700]], "indexes": [1]},
            {"text": "nope", "count": 0, "timestamps": [], "indexes": []},
        ],
    }


@pytest.mark.parametrize(
    ("suffix", "query"),
    [
        ("srt", {"chars_per_caption": "x"}),
        ("vtt", {"chars_per_caption": "0"}),
        ("word-search", {}),
        ("word-search", {"words": " , "}),
        ("word-search", {"words": ",".join(["w"] * 51)}),
    ],
)
def test_bad_export_parameters_are_400s(client, api_world, suffix, query):
    transcript = stored_transcript(api_world.project, api_world.key)
    response = client.get(f"/v2/transcript/{transcript.pk}/{suffix}", query, **api_world.auth())
    assert response.status_code == 400
    assert response.json()["error"]


@pytest.mark.parametrize("suffix", ["sentences", "paragraphs", "srt", "vtt", "word-search"])
def test_exports_need_a_completed_transcript_of_the_keys_project(client, api_world, suffix):
    query = {"words": "hello"}
    queued = stored_transcript(api_world.project, api_world.key, status="queued")
    response = client.get(f"/v2/transcript/{queued.pk}/{suffix}", query, **api_world.auth())
    assert response.status_code == 400 and "queued" in response.json()["error"]
    theirs = stored_transcript(api_world.sibling, api_world.sibling_key)
    response = client.get(f"/v2/transcript/{theirs.pk}/{suffix}", query, **api_world.auth())
    assert response.status_code == 404
    deleted = stored_transcript(api_world.project, api_world.key, deleted_at=timezone.now())
    response = client.get(f"/v2/transcript/{deleted.pk}/{suffix}", query, **api_world.auth())
    assert response.status_code == 400 and "deleted" in response.json()["error"]


def test_unused_uploads_are_removed_after_the_ttl(
    api_world, settings, django_capture_on_commit_callbacks
):
    settings.UPLOAD_UNUSED_TTL = 3600
    old_unused = stored_upload(api_world.project, api_world.key)
    old_used = stored_transcript(api_world.project, api_world.key).upload
    fresh = stored_upload(api_world.project, api_world.key)
    Upload.objects.filter(pk__in=[old_unused.pk, old_used.pk]).update(
        created_at=timezone.now() - timedelta(hours=2)
    )
    path = settings.MEDIA_ROOT / old_unused.path
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert uploads_purge_unused() == 1
    old_unused.refresh_from_db()
    assert old_unused.deleted_at is not None and old_unused.path == ""
    assert not path.exists()
    assert (settings.MEDIA_ROOT / old_used.path).exists()
    assert (settings.MEDIA_ROOT / fresh.path).exists()
    assert uploads_purge_unused() == 0  # idempotent


def test_a_purged_upload_cannot_be_transcribed_any_more(client, api_world, settings):
    upload = stored_upload(api_world.project, api_world.key)
    Upload.objects.filter(pk=upload.pk).update(created_at=timezone.now() - timedelta(days=2))
    uploads_purge_unused()
    body = {"audio_url": f"http://testserver/v2/upload/{upload.pk}"}
    response = client.post(
        "/v2/transcript", json.dumps(body), content_type="application/json", **api_world.auth()
    )
    assert response.status_code == 403


def test_webhook_back_off_doubles_up_to_an_hour(settings):
    settings.WEBHOOK_BACKOFF = 10
    assert [webhook_backoff(n) for n in range(4)] == [10, 20, 40, 80]
    assert webhook_backoff(20) == 3600
