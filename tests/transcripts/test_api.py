"""The /v2 API through HTTP (API1, API3, P2, P3): shapes, bad input, no redirects."""

import json
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.conftest import login_client
from tests.transcripts.api_support import make_key, stored_transcript
from transcripts.models import Transcript, Upload

pytestmark = pytest.mark.django_db

WAV_HEADER = b"RIFF\x24\x00\x00\x00WAVEfmt "


@pytest.fixture
def client():
    return Client()


def post_upload(client, world, data, who="own", **extra):
    extra.setdefault("content_type", "application/octet-stream")
    return client.generic("POST", "/v2/upload", data, **world.auth(who), **extra)


def post_transcript(client, world, body, who="own", content_type="application/json"):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.generic(
        "POST", "/v2/transcript", data, content_type=content_type, **world.auth(who)
    )


def error_of(response) -> str:
    assert response["Content-Type"] == "application/json", response.content[:200]
    return response.json()["error"]


# Uploads


def test_upload_stores_the_body_and_answers_an_absolute_unique_url(client, api_world):
    first = post_upload(client, api_world, WAV_HEADER + b"one")
    second = post_upload(client, api_world, WAV_HEADER + b"two")
    assert first.status_code == 200 and second.status_code == 200
    urls = [first.json()["upload_url"], second.json()["upload_url"]]
    assert urls[0] != urls[1]
    for url, body in zip(urls, [b"one", b"two"], strict=True):
        assert url.startswith("http://testserver/v2/upload/")
        upload = Upload.objects.get(pk=url.rsplit("/", 1)[1])
        assert upload.project == api_world.project
        assert upload.api_key == api_world.key
        stored = Path(settings.MEDIA_ROOT) / upload.path
        assert stored.parent == Path(settings.MEDIA_ROOT) / "uploads" / str(api_world.project.pk)
        assert stored.read_bytes() == WAV_HEADER + body
        assert upload.size == len(WAV_HEADER + body)


def test_the_uploaded_file_is_readable_only_with_a_key_of_its_project(client, api_world):
    url = post_upload(client, api_world, WAV_HEADER + b"mine").json()["upload_url"]
    path = urlsplit(url).path
    own = client.get(path, **api_world.auth("own"))
    assert own.status_code == 200
    assert b"".join(own.streaming_content) == WAV_HEADER + b"mine"
    for who in ("sibling", "foreign"):
        response = client.get(path, **api_world.auth(who))
        assert response.status_code == 404
        assert error_of(response) == "Upload not found"
    random_id = client.get(f"/v2/upload/{uuid.uuid4()}", **api_world.auth("own"))
    assert random_id.status_code == 404
    assert client.get("/v2/upload/not-a-uuid", **api_world.auth("own")).status_code == 404


def test_an_empty_body_is_refused_and_stores_nothing(client, api_world):
    response = post_upload(client, api_world, b"")
    assert response.status_code == 400
    assert "empty" in error_of(response)
    assert not Upload.objects.exists()
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_a_multipart_form_is_refused(client, api_world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/v2/upload",
        {"file": SimpleUploadedFile("a.wav", WAV_HEADER)},
        **api_world.auth("own"),
    )
    assert response.status_code == 400
    assert "raw bytes" in error_of(response)
    assert not Upload.objects.exists()


def test_a_file_over_the_size_cap_gets_413_and_leaves_nothing(client, api_world, settings):
    settings.API_MAX_UPLOAD_BYTES = 1000
    response = post_upload(client, api_world, b"x" * 1001)
    assert response.status_code == 413
    assert "larger than" in error_of(response)
    assert post_upload(client, api_world, b"x" * 1000).status_code == 200
    assert Upload.objects.count() == 1
    files = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert len(files) == 1


def test_the_size_cap_counts_the_bytes_read_not_only_the_announced_length(
    client, api_world, settings
):
    from transcripts.api import status_of
    from transcripts.errors import TranscriptError
    from transcripts.services import upload_create

    settings.API_MAX_UPLOAD_BYTES = 10

    class Stream:
        def __init__(self):
            self.parts = [b"x" * 6, b"x" * 6]

        def read(self, size):
            return self.parts.pop(0) if self.parts else b""

    with pytest.raises(TranscriptError) as caught:
        upload_create(api_key=api_world.key, stream=Stream(), content_length=None)
    assert status_of(caught.value) == 413
    assert not Upload.objects.exists()
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


# Creating transcripts


def test_create_answers_200_with_a_queued_transcript(client, api_world):
    url = post_upload(client, api_world, WAV_HEADER).json()["upload_url"]
    response = post_transcript(client, api_world, {"audio_url": url})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "queued"
    assert body["audio_url"] == url
    assert body["speech_model"] is None
    assert body["speech_model_used"] == "faster-whisper"
    # The reference types `error` as a string: absent until there is one.
    assert body["text"] is None and "error" not in body
    transcript = Transcript.objects.get(pk=body["id"])
    assert transcript.project == api_world.project
    assert transcript.api_key == api_world.key
    assert transcript.api_key_name == "Production API"


def test_unknown_options_are_refused_by_name_and_known_models_echoed(client, api_world):
    url = post_upload(client, api_world, WAV_HEADER).json()["upload_url"]
    response = post_transcript(
        client,
        api_world,
        {"audio_url": url, "speech_model": "best", "punctuate": True, "made_up_option": [1, 2]},
    )
    assert response.status_code == 400
    assert "made_up_option" in error_of(response)
    # A null option asks for nothing, known or not (newer SDKs send more names).
    response = post_transcript(
        client,
        api_world,
        {"audio_url": url, "speech_model": "best", "punctuate": True, "made_up_option": None},
    )
    assert response.status_code == 200
    assert response.json()["speech_model"] == "best"
    assert response.json()["speech_model_used"] == "faster-whisper"


def test_another_projects_upload_is_refused_with_403(client, api_world):
    """P3: a key transcribes only its own project's files, even within the account."""
    for owner in ("sibling", "foreign"):
        url = post_upload(client, api_world, WAV_HEADER, who=owner).json()["upload_url"]
        response = post_transcript(client, api_world, {"audio_url": url})
        assert response.status_code == 403
        assert error_of(response) == "Cannot access uploaded file"
    missing = f"http://testserver/v2/upload/{uuid.uuid4()}"
    response = post_transcript(client, api_world, {"audio_url": missing})
    assert response.status_code == 403
    assert error_of(response) == "Cannot access uploaded file"
    assert not Transcript.objects.exists()


@pytest.mark.parametrize(
    ("audio_url", "message"),
    [
        ("ftp://testserver/v2/upload/x", "http(s) URL"),
        ("not a url", "http(s) URL"),
        ("http://", "http(s) URL"),
        ("http://testserver/v2/transcript", "not an upload"),
        ("https://example.com/" + "x" * 3000, "longer than 2048"),
    ],
)
def test_audio_urls_that_are_neither_uploads_nor_http_are_a_clear_400(
    client, api_world, audio_url, message
):
    response = post_transcript(client, api_world, {"audio_url": audio_url})
    assert response.status_code == 400
    assert message in error_of(response)
    assert not Transcript.objects.exists()


def test_a_remote_audio_url_is_queued_for_the_worker_to_fetch(client, api_world):
    # TEST-NET-3: a documentation address, which the SSRF guard would refuse anyway.
    remote = "http://203.0.113.5/v2/upload/" + str(uuid.uuid4())
    response = post_transcript(client, api_world, {"audio_url": remote})
    assert response.status_code == 200, response.content
    assert response.json()["audio_url"] == remote
    transcript = Transcript.objects.get(pk=response.json()["id"])
    assert transcript.remote_audio and transcript.upload is None


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"", "application/json", "Send a JSON object"),
        (b"{not json", "application/json", "not valid JSON"),
        (b'["audio_url"]', "application/json", "must be a JSON object"),
        (b'"just a string"', "application/json", "must be a JSON object"),
        (b"\xff\xfe\x00", "application/json", "not valid JSON"),
        (b"{}", "application/json", "audio_url is required"),
        (b'{"audio_url": 42}', "application/json", "audio_url is required"),
        (b"audio_url=x", "application/x-www-form-urlencoded", "Content-Type: application/json"),
        (b'{"audio_url": "x", "speech_model": "huge"}', "application/json", "speech_model"),
        (b'{"audio_url": "x", "language_code": 7}', "application/json", "language_code"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", "nested too deeply"),
    ],
)
def test_malformed_create_requests_get_clear_400s(client, api_world, body, content_type, message):
    response = post_transcript(client, api_world, body, content_type=content_type)
    assert response.status_code == 400
    assert message in error_of(response)
    assert not Transcript.objects.exists()


def test_a_language_the_engine_cannot_do_is_refused(client, api_world):
    url = post_upload(client, api_world, WAV_HEADER).json()["upload_url"]
    response = post_transcript(client, api_world, {"audio_url": url, "language_code": "fr"})
    assert response.status_code == 400
    assert "English" in error_of(response)
    ok = post_transcript(client, api_world, {"audio_url": url, "language_code": "en_uk"})
    assert ok.status_code == 200


def test_a_json_body_over_the_memory_cap_is_413(client, api_world):
    body = json.dumps({"audio_url": "x", "pad": "y" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = post_transcript(client, api_world, body)
    assert response.status_code == 413


# Reading and deleting


def test_get_answers_the_full_transcript(client, api_world):
    transcript = stored_transcript(api_world.project, api_world.key)
    response = client.get(f"/v2/transcript/{transcript.pk}", **api_world.auth())
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(transcript.pk)
    assert body["status"] == "completed"
    assert body["text"] == "hello there"
    assert body["words"] == [
        {
            "text": "hello",
            "start": 0,
            "end": 300,
            "confidence": 0.9,
            "speaker": None,
            "channel": None,
        }
    ]
    assert body["audio_duration"] == 2
    assert body["audio_url"] == transcript.audio_url
    assert body["language_code"] == "en_us"


def test_non_uuid_ids_are_a_clear_400_and_unknown_ones_404(client, api_world):
    response = client.get("/v2/transcript/12345", **api_world.auth())
    assert response.status_code == 400
    assert "UUID" in error_of(response)
    response = client.get(f"/v2/transcript/{uuid.uuid4()}", **api_world.auth())
    assert response.status_code == 404
    assert error_of(response) == "Transcript not found"


def test_another_projects_transcript_is_404_exactly_like_a_missing_one(client, api_world):
    """P2: the same answer whether it exists elsewhere or not at all."""
    theirs = stored_transcript(api_world.sibling, api_world.sibling_key)
    missing = client.get(f"/v2/transcript/{uuid.uuid4()}", **api_world.auth())
    for method in ("get", "delete"):
        response = getattr(client, method)(f"/v2/transcript/{theirs.pk}", **api_world.auth())
        assert response.status_code == 404
        assert response.content == missing.content
    theirs.refresh_from_db()
    assert theirs.deleted_at is None and theirs.text == "hello there"


def test_delete_forgets_the_text_and_the_file_and_answers_the_reference_markers(
    client, api_world, django_capture_on_commit_callbacks
):
    transcript = stored_transcript(api_world.project, api_world.key)
    stored = Path(settings.MEDIA_ROOT) / transcript.upload.path
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(f"/v2/transcript/{transcript.pk}", **api_world.auth())
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(transcript.pk)
    assert body["status"] == "completed"
    assert body["text"] == "Deleted by user."
    assert body["audio_url"] == "http://deleted_by_user"
    assert body["words"] is None
    assert not stored.exists()
    transcript.refresh_from_db()
    assert transcript.text is None and transcript.words is None
    assert transcript.upload.deleted_at is not None
    again = client.get(f"/v2/transcript/{transcript.pk}", **api_world.auth())
    assert again.json()["text"] == "Deleted by user."
    upload_path = f"/v2/upload/{transcript.upload.pk}"
    assert client.get(upload_path, **api_world.auth()).status_code == 404
    # The file is gone, so is the right to transcribe it again.
    response = post_transcript(client, api_world, {"audio_url": f"http://testserver{upload_path}"})
    assert response.status_code == 403
    # Deleting twice is harmless.
    assert client.delete(f"/v2/transcript/{transcript.pk}", **api_world.auth()).status_code == 200


@pytest.mark.parametrize("status", ["queued", "processing"])
def test_a_transcript_in_progress_cannot_be_deleted(client, api_world, status):
    transcript = stored_transcript(api_world.project, api_world.key, status=status)
    response = client.delete(f"/v2/transcript/{transcript.pk}", **api_world.auth())
    assert response.status_code == 400
    assert "still being processed" in error_of(response)
    transcript.refresh_from_db()
    assert transcript.deleted_at is None


# Listing


def _make_series(world, count):
    """`count` transcripts, oldest first, one minute apart."""
    start = timezone.now() - timedelta(hours=1)
    made = []
    for index in range(count):
        transcript = stored_transcript(world.project, world.key)
        Transcript.objects.filter(pk=transcript.pk).update(
            created_at=start + timedelta(minutes=index)
        )
        made.append(str(transcript.pk))
    return made


def test_list_is_newest_first_with_page_details(client, api_world):
    made = _make_series(api_world, 12)
    stored_transcript(api_world.sibling, api_world.sibling_key)
    response = client.get("/v2/transcript", **api_world.auth())
    assert response.status_code == 200
    body = response.json()
    ids = [item["id"] for item in body["transcripts"]]
    assert ids == made[::-1][:10]
    details = body["page_details"]
    assert details["limit"] == 10
    assert details["result_count"] == 10
    assert details["current_url"] == "http://testserver/v2/transcript"
    assert details["next_url"] is None
    assert "before_id=" + made[2] in details["prev_url"]
    item = body["transcripts"][0]
    assert set(item) == {
        "id",
        "resource_url",
        "status",
        "created",
        "completed",
        "audio_url",
        "error",
    }
    assert item["resource_url"] == f"http://testserver/v2/transcript/{item['id']}"


def test_list_pages_walk_back_and_forth_through_everything(client, api_world):
    made = _make_series(api_world, 7)
    seen = []
    url = "/v2/transcript?limit=3"
    pages = []
    while url:
        body = client.get(url, **api_world.auth()).json()
        pages.append(body)
        seen += [item["id"] for item in body["transcripts"]]
        url = body["page_details"]["prev_url"]
    assert seen == made[::-1]
    assert [p["page_details"]["result_count"] for p in pages] == [3, 3, 1]
    # From the oldest page, next_url walks forward to newer transcripts.
    forward = client.get(pages[-1]["page_details"]["next_url"], **api_world.auth()).json()
    assert [item["id"] for item in forward["transcripts"]] == made[1:4][::-1]


def test_list_filters_by_status_and_day(client, api_world):
    done = stored_transcript(api_world.project, api_world.key)
    failed = stored_transcript(api_world.project, api_world.key, status="error")
    body = client.get("/v2/transcript?status=error", **api_world.auth()).json()
    assert [item["id"] for item in body["transcripts"]] == [str(failed.pk)]
    assert body["transcripts"][0]["error"] == "Bad audio"
    today = timezone.now().date().isoformat()
    body = client.get(f"/v2/transcript?created_on={today}", **api_world.auth()).json()
    assert {item["id"] for item in body["transcripts"]} == {str(done.pk), str(failed.pk)}
    body = client.get("/v2/transcript?created_on=2001-01-01", **api_world.auth()).json()
    assert body["transcripts"] == []
    assert body["page_details"]["prev_url"] is None


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=99999999999999999999", "limit"),
        ("limit=ten", "limit"),
        ("status=done", "status"),
        ("created_on=yesterday", "created_on"),
        ("created_on=9999-12-31", "created_on"),
        ("before_id=12", "before_id"),
        (f"after_id={uuid.uuid4()}", "after_id"),
    ],
)
def test_list_bad_parameters_get_clear_400s(client, api_world, query, message):
    response = client.get(f"/v2/transcript?{query}", **api_world.auth())
    assert response.status_code == 400
    assert message in error_of(response)


def test_limit_200_is_allowed(client, api_world):
    assert client.get("/v2/transcript?limit=200", **api_world.auth()).status_code == 200


def test_a_cursor_from_another_project_is_refused_like_a_missing_one(client, api_world):
    theirs = stored_transcript(api_world.sibling, api_world.sibling_key)
    response = client.get(f"/v2/transcript?before_id={theirs.pk}", **api_world.auth())
    missing = client.get(f"/v2/transcript?before_id={uuid.uuid4()}", **api_world.auth())
    assert response.status_code == missing.status_code == 400
    assert response.content == missing.content


# Transport rules the SDK depends on


def test_routes_answer_without_redirects_even_with_append_slash(client, api_world, settings):
    settings.APPEND_SLASH = True
    transcript = stored_transcript(api_world.project, api_world.key)
    assert client.get("/v2/transcript", **api_world.auth()).status_code == 200
    assert client.get(f"/v2/transcript/{transcript.pk}", **api_world.auth()).status_code == 200
    assert post_upload(client, api_world, WAV_HEADER).status_code == 200
    # Nobody gets sent elsewhere without a key either.
    for path in ("/v2/transcript", "/v2/upload", f"/v2/transcript/{transcript.pk}"):
        assert client.get(path).status_code == 401


@pytest.mark.parametrize("path", ["/v2/v2/upload", "/v2/transcripts", "/v2/transcript/", "/v2/"])
def test_unknown_api_paths_get_a_json_404_not_a_page(client, api_world, settings, path):
    settings.DEBUG = True  # not even Django's debug page
    for method in ("get", "post"):
        response = getattr(client, method)(path, **api_world.auth())
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert path in error_of(response)


def test_wrong_methods_get_a_json_405(client, api_world):
    for method, path in [
        ("put", "/v2/transcript"),
        ("get", "/v2/upload"),
        ("post", f"/v2/transcript/{uuid.uuid4()}"),
        ("delete", "/v2/transcript"),
    ]:
        response = getattr(client, method)(path, **api_world.auth())
        assert response.status_code == 405, (method, path)
        assert error_of(response)
        assert response["Allow"]


def test_the_api_needs_no_csrf_token(api_world):
    strict = Client(enforce_csrf_checks=True)
    assert post_upload(strict, api_world, WAV_HEADER).status_code == 200


def test_a_console_session_does_not_authenticate_the_api(team, api_world):
    owner = login_client(team.owner, team.account)
    response = owner.get("/v2/transcript")
    assert response.status_code == 401
    assert error_of(response)


@pytest.mark.parametrize(
    "header", ["", "Bearer", "ak_live_nope", "Basic dXNlcjpwYXNz", "ak_live_" + "a" * 36]
)
def test_missing_or_malformed_keys_get_401(client, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/v2/transcript", **extra)
    assert response.status_code == 401
    assert error_of(response)


def test_bearer_keys_work_too(client, api_world):
    response = client.get("/v2/transcript", HTTP_AUTHORIZATION=f"Bearer {api_world.secret}")
    assert response.status_code == 200


def test_a_key_of_a_deleted_project_gets_401(client, team):
    from projects.models import Project

    project = Project.objects.create(account=team.account, name="Gone")
    _, secret = make_key(project)
    Project.objects.filter(pk=project.pk).update(deleted_at=timezone.now())
    assert client.get("/v2/transcript", HTTP_AUTHORIZATION=secret).status_code == 401


@pytest.mark.parametrize(
    "audio_url", ["http://[::1", "http://[::1]:99999/v2/upload/x", "http://[not-ipv6]/"]
)
def test_a_malformed_audio_url_is_a_400(client, api_world, audio_url):
    response = post_transcript(client, api_world, {"audio_url": audio_url})
    assert response.status_code == 400
    assert "audio_url" in error_of(response)
