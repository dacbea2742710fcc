"""A real Celery transcription worker against Redis (E2): a bad file fails its own
transcript and the next one on the same worker succeeds; so does a file that
runs past the time limit."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from tests.transcripts.api_support import encode, espeak, share_heard
from transcripts import worker as transcripts_worker
from transcripts.models import Transcript

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
# The worker stops a transcription after this many seconds (the soft limit: an
# exception in the task): far more than a 5-second clip needs, far less than
# the long file below. The hard limit (the process killed) is well after it.
SOFT_LIMIT = 15
LONG_TEXT = " ".join(
    [
        "The birch canoe slid on the smooth planks.",
        "Glue the sheet to the dark blue background.",
        "It's easy to tell the depth of a well.",
        "These days a chicken leg is a rare dish.",
        "Rice is often served in round bowls.",
    ]
    * 10
)


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("worker-media")


@pytest.fixture(autouse=True)
def _private_media(settings, media):
    """The worker process and the tests share one media folder."""
    settings.MEDIA_ROOT = media


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, media, tmp_path_factory):
    """One `celery worker -Q transcription` process (prefork, one child), as deployed."""
    if not os.environ.get("REDIS_URL"):
        pytest.fail("The worker tests need Redis: set REDIS_URL (scripts/test does).")
    with django_db_blocker.unblock():
        database = connection.settings_dict["NAME"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{connection.settings_dict['USER'] or 'postgres'}@"
        f"{connection.settings_dict['HOST'] or '127.0.0.1'}:{connection.settings_dict['PORT'] or 5432}"
        f"/{database}",
        "MEDIA_ROOT": str(media),
        "TRANSCRIPTION_SOFT_TIME_LIMIT": str(SOFT_LIMIT),
        "TRANSCRIPTION_TIME_LIMIT": str(SOFT_LIMIT + 60),
    }
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "transcription",
             "--concurrency=1", "--pool=prefork", "--purge", "--without-gossip",
             "--without-mingle", "--loglevel=INFO", f"--hostname=test-transcription-{os.getpid()}@%h"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield process, log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _submit(world, content: bytes) -> str:
    """Upload and ask for a transcript; the commit sends it to the worker through Redis."""
    client = Client()
    url = client.generic(
        "POST", "/v2/upload", content, content_type="application/octet-stream", **world.auth()
    ).json()["upload_url"]
    response = client.post(
        "/v2/transcript", {"audio_url": url}, content_type="application/json", **world.auth()
    )
    assert response.status_code == 200, response.content
    return response.json()["id"]


def _finished(transcript_id: str, log: Path, timeout: float = 120) -> Transcript:
    deadline = time.monotonic() + timeout
    while True:
        transcript = Transcript.objects.get(pk=transcript_id)
        if transcript.status in ("completed", "error"):
            return transcript
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.3)


def test_a_bad_file_fails_alone_and_the_next_file_succeeds(worker, api_world, speech_wav, tmp_path):
    process, log = worker
    good = speech_wav.read_bytes()
    # A WAV header announcing a minute of audio over a file of one second ...
    lying = bytearray(good[:44] + good[44 : 44 + 22050 * 2])
    lying[40:44] = (22050 * 2 * 60).to_bytes(4, "little")
    # ... and an MP3 whose frames were overwritten with noise after its first 100 bytes.
    mp3 = encode(speech_wav, tmp_path / "speech.mp3", "mp3").read_bytes()
    corrupt = mp3[:100] + bytes(range(256)) * 64
    bad = [_submit(api_world, bytes(lying)), _submit(api_world, corrupt)]
    then = _submit(api_world, good)

    first, second = (_finished(pk, log) for pk in bad)
    assert first.status == "error" and "truncated" in first.error, first.error
    assert second.status == "error" and "not audio this server can read" in second.error
    after = _finished(then, log)
    assert after.status == "completed", after.error
    assert share_heard(after.text) >= 0.6, after.text
    assert after.words and len({w["confidence"] for w in after.words}) > 1
    assert process.poll() is None


def test_a_file_past_the_time_limit_fails_alone(worker, api_world, speech_wav, tmp_path):
    process, log = worker
    long_wav = espeak(tmp_path / "long.wav", LONG_TEXT)  # about 2.5 minutes of speech
    slow = _submit(api_world, long_wav.read_bytes())
    then = _submit(api_world, speech_wav.read_bytes())

    stopped = _finished(slow, log, timeout=SOFT_LIMIT + 60)
    assert stopped.status == "error"
    assert stopped.error == transcripts_worker.TIME_LIMIT_ERROR
    assert f"Soft time limit ({SOFT_LIMIT}s) exceeded" in log.read_text()
    # The same worker transcribes the next file.
    after = _finished(then, log)
    assert after.status == "completed", after.error
    assert share_heard(after.text) >= 0.6, after.text
    assert process.poll() is None
    assert settings.CELERY_TASK_ROUTES["transcripts.tasks.transcribe"]["queue"] == "transcription"
