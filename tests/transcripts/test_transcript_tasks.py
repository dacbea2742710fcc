"""Transcription in Celery: queued -> processing -> completed or error, usage, the watchdog."""

import wave
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from reporting.models import UsageEvent
from tests.transcripts.api_support import HEARD, stored_transcript, stored_upload
from transcripts import tasks, worker
from transcripts.engines import Result
from transcripts.models import Transcript, Upload

pytestmark = pytest.mark.django_db


def _transcribe(world, content: bytes, capture) -> Transcript:
    """Upload `content` and ask for its transcript, committing so that Celery runs."""
    client = Client()
    auth = world.auth()
    url = client.generic(
        "POST", "/v2/upload", content, content_type="application/octet-stream", **auth
    ).json()["upload_url"]
    with capture(execute=True):
        response = client.post(
            "/v2/transcript", {"audio_url": url}, content_type="application/json", **auth
        )
    assert response.status_code == 200
    assert response.json()["status"] == "queued"
    return Transcript.objects.get(pk=response.json()["id"])


def test_speech_is_transcribed_and_one_usage_event_recorded(
    api_world, eager_celery, speech_wav, django_capture_on_commit_callbacks
):
    transcript = _transcribe(api_world, speech_wav.read_bytes(), django_capture_on_commit_callbacks)
    assert transcript.status == "completed", transcript.error
    assert set(transcript.text.split()) & HEARD, transcript.text
    with wave.open(str(speech_wav)) as reader:
        seconds = reader.getnframes() / reader.getframerate()
    assert transcript.audio_duration == round(seconds)
    assert transcript.words and all(w["start"] < w["end"] for w in transcript.words)
    assert transcript.completed_at >= transcript.started_at >= transcript.created_at

    body = Client().get(f"/v2/transcript/{transcript.pk}", **api_world.auth()).json()
    assert body["status"] == "completed"
    assert body["text"] == transcript.text
    assert isinstance(body["audio_duration"], int)
    assert body["speech_model_used"] == "faster-whisper"

    event = UsageEvent.objects.get()
    assert event.idempotency_key == f"transcript:{transcript.pk}"
    assert event.product_code == "speech_to_text"
    assert event.model == "faster-whisper"
    assert event.quantity == transcript.audio_duration
    assert event.account_id == api_world.project.account_id
    assert event.project_id == api_world.project.pk
    assert event.api_key_id == api_world.key.pk
    assert event.occurred_at == transcript.completed_at

    # Running the task again (a redelivered message) changes nothing.
    tasks.transcribe.delay(str(transcript.pk))
    assert UsageEvent.objects.count() == 1
    again = Transcript.objects.get(pk=transcript.pk)
    assert (again.text, again.completed_at) == (transcript.text, transcript.completed_at)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"ID3\x03\x00\x00\x00" + b"\x00" * 500, "not audio this server can read"),
        (b"\x00\x01\x02\x03" * 200, "not audio this server can read"),
    ],
)
def test_unreadable_audio_ends_in_error_without_usage(
    api_world, eager_celery, django_capture_on_commit_callbacks, content, message
):
    transcript = _transcribe(api_world, content, django_capture_on_commit_callbacks)
    assert transcript.status == "error"
    assert message in transcript.error
    body = Client().get(f"/v2/transcript/{transcript.pk}", **api_world.auth()).json()
    assert body["status"] == "error"
    assert message in body["error"]
    assert body["text"] is None
    assert not UsageEvent.objects.exists()


def test_a_truncated_wav_ends_in_error(
    api_world, eager_celery, speech_wav, django_capture_on_commit_callbacks
):
    content = speech_wav.read_bytes()
    transcript = _transcribe(
        api_world, content[: len(content) // 2], django_capture_on_commit_callbacks
    )
    assert transcript.status == "error"
    assert "truncated" in transcript.error
    assert not UsageEvent.objects.exists()


def test_a_file_deleted_before_its_turn_ends_in_error(api_world):
    transcript = stored_transcript(api_world.project, api_world.key, status="queued")
    Upload.objects.filter(pk=transcript.upload_id).update(deleted_at=timezone.now(), path="")
    tasks.transcribe.apply(args=[str(transcript.pk)])
    transcript.refresh_from_db()
    assert transcript.status == "error"
    assert "deleted" in transcript.error


def test_a_transcript_not_queued_is_left_alone(api_world):
    for status in ("processing", "completed", "error"):
        transcript = stored_transcript(api_world.project, api_world.key, status=status)
        before = Transcript.objects.filter(pk=transcript.pk).values().get()
        tasks.transcribe.apply(args=[str(transcript.pk)])
        assert Transcript.objects.filter(pk=transcript.pk).values().get() == before
    tasks.transcribe.apply(args=["00000000-0000-0000-0000-000000000000"])
    assert not UsageEvent.objects.exists()


def test_the_watchdog_moves_stuck_transcripts_to_error_and_the_file_can_be_retried(
    api_world, eager_celery, speech_wav, django_capture_on_commit_callbacks
):
    """A worker that died mid-task leaves `processing`; the beat task ends it."""
    now = timezone.now()
    stuck = stored_transcript(
        api_world.project,
        api_world.key,
        status="processing",
        started_at=now - timedelta(hours=2),
        deadline_at=now - timedelta(minutes=1),
    )
    running = stored_transcript(
        api_world.project,
        api_world.key,
        status="processing",
        started_at=now,
        deadline_at=now + timedelta(minutes=10),
    )
    assert tasks.expire_stuck_transcripts.apply().get() == 1
    stuck.refresh_from_db()
    running.refresh_from_db()
    assert stuck.status == "error"
    assert "did not finish in time" in stuck.error
    assert running.status == "processing"
    assert not UsageEvent.objects.exists()
    # The worker's late result does not overwrite the error.
    worker.transcript_finish(stuck.pk, result=Result(text="late", duration=1.0))
    stuck.refresh_from_db()
    assert stuck.status == "error" and stuck.text is None
    assert not UsageEvent.objects.exists()
    # Its upload is still there: asking again transcribes it.
    Path(settings.MEDIA_ROOT, stuck.upload.path).write_bytes(speech_wav.read_bytes())
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/v2/transcript",
            {"audio_url": f"http://testserver/v2/upload/{stuck.upload_id}"},
            content_type="application/json",
            **api_world.auth(),
        )
    retried = Transcript.objects.get(pk=response.json()["id"])
    assert retried.status == "completed"


def test_the_watchdog_is_on_the_beat_schedule():
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "transcripts.tasks.expire_stuck_transcripts" in tasks_scheduled


def test_a_claimed_transcript_gets_a_deadline_that_grows_with_the_audio(api_world, speech_wav):
    start = timezone.now()
    assert worker._deadline(start, 10) == start + timedelta(seconds=settings.TRANSCRIPT_MIN_TIMEOUT)
    long_audio = settings.TRANSCRIPT_MIN_TIMEOUT  # seconds
    assert worker._deadline(start, long_audio) == start + timedelta(seconds=4 * long_audio)


def test_the_key_name_stays_after_the_key_is_deleted(
    api_world, eager_celery, speech_wav, django_capture_on_commit_callbacks
):
    from apikeys.models import ApiKey

    transcript = _transcribe(api_world, speech_wav.read_bytes(), django_capture_on_commit_callbacks)
    ApiKey.objects.filter(pk=api_world.key.pk).update(deleted_at=timezone.now())
    transcript.refresh_from_db()
    assert transcript.api_key_name == "Production API"
    assert UsageEvent.objects.get().api_key_id == api_world.key.pk


def test_deleting_the_project_removes_its_uploads_transcripts_and_files(
    team, api_world, django_capture_on_commit_callbacks
):
    """P4, through the projects app's delete service."""
    from projects.services import project_delete

    mine = stored_transcript(api_world.project, api_world.key)
    spare = stored_upload(api_world.project, api_world.key)
    theirs = stored_transcript(api_world.sibling, api_world.sibling_key)
    folder = Path(settings.MEDIA_ROOT) / "uploads" / str(api_world.project.pk)
    assert (folder / str(spare.pk)).exists()
    with django_capture_on_commit_callbacks(execute=True):
        project_delete(account=team.account, actor=team.owner, project=api_world.project)
    assert not Transcript.objects.filter(pk=mine.pk).exists()
    assert not Upload.objects.filter(project=api_world.project).exists()
    assert not folder.exists()
    assert Transcript.objects.filter(pk=theirs.pk).exists()
    assert (Path(settings.MEDIA_ROOT) / theirs.upload.path).exists()
    # Its keys stop working at once.
    response = Client().get("/v2/transcript", **api_world.auth())
    assert response.status_code == 401


def test_the_watchdog_queues_again_a_transcript_whose_message_was_lost(
    api_world, eager_celery, speech_wav
):
    """A broker restart (or a broker down when it was created) leaves it `queued`."""
    lost = stored_transcript(api_world.project, api_world.key, status="queued")
    Path(settings.MEDIA_ROOT, lost.upload.path).write_bytes(speech_wav.read_bytes())
    fresh = stored_transcript(api_world.project, api_world.key, status="queued")
    waited = timedelta(seconds=settings.TRANSCRIPT_REQUEUE_AFTER + 60)
    Transcript.objects.filter(pk=lost.pk).update(created_at=timezone.now() - waited)

    tasks.expire_stuck_transcripts.apply().get()
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.status == "completed", lost.error
    assert fresh.status == "queued"  # its message may still be on its way
    assert UsageEvent.objects.get().idempotency_key == f"transcript:{lost.pk}"
    # Queued twice (a duplicate message) is harmless: it is not queued any more.
    tasks.transcribe.apply(args=[str(lost.pk)]).get()
    assert UsageEvent.objects.count() == 1


def test_a_broker_that_is_down_leaves_the_transcript_queued_not_an_error(
    api_world, django_capture_on_commit_callbacks, caplog
):
    from config.celery import app

    conf = app.conf
    saved = (
        conf.broker_url,
        conf.task_publish_retry,
        conf.task_always_eager,
        app._pool,
        app.amqp._producer_pool,
    )
    # A real broker address nothing listens on, with connection pools of its own.
    conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app.conf.task_publish_retry = False
    app._pool = app.amqp._producer_pool = None
    try:
        upload = stored_upload(api_world.project, api_world.key)
        with django_capture_on_commit_callbacks(execute=True):
            response = Client().post(
                "/v2/transcript",
                {"audio_url": f"http://testserver/v2/upload/{upload.pk}"},
                content_type="application/json",
                **api_world.auth(),
            )
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        (
            conf.broker_url,
            conf.task_publish_retry,
            conf.task_always_eager,
            app._pool,
            app.amqp._producer_pool,
        ) = saved
    assert response.status_code == 200
    assert response.json()["status"] == "queued"
    assert Transcript.objects.get().status == "queued"
    assert "Could not queue transcript" in caplog.text
