"""Shared pieces of the /v2 API and Transcripts tests: keys, speech, stored uploads.

The fixtures built on these live in conftest.py beside this file.
"""

import re
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from apikeys import keys
from apikeys.models import ApiKey
from projects.models import Project

SENTENCE = "This is a test of speech recognition. Hello world, this is a test."
# Words of SENTENCE, any of which the engine hears (Whisper tiny.en on espeak-ng
# speech: "This is a test on speech recognition, the low world, this is a test.").
HEARD = {"this", "is", "a", "test", "of", "speech", "recognition", "hello", "world"}


def words_of(text: str) -> list[str]:
    """Lower-case words without punctuation, for a tolerant comparison."""
    return re.findall(r"[a-z0-9']+", text.lower())


def share_heard(text: str, spoken: str = SENTENCE) -> float:
    """The share of the spoken words that the transcript has (in any order)."""
    said, got = words_of(spoken), set(words_of(text))
    return sum(word in got for word in said) / len(said)


def make_key(project, name="Production API", *, deleted=False) -> tuple[ApiKey, str]:
    """A key row and its secret, as the keys page would issue it."""
    secret = keys.generate_key()
    api_key = ApiKey.objects.create(
        project=project,
        name=name,
        prefix=keys.display_prefix(secret),
        digest=keys.digest(secret),
        deleted_at=timezone.now() if deleted else None,
    )
    return api_key, secret


@dataclass
class ApiWorld:
    project: Project  # the caller's project
    key: ApiKey
    secret: str
    sibling: Project  # another project of the same account
    sibling_key: ApiKey
    sibling_secret: str
    foreign: Project  # a project of another account
    foreign_key: ApiKey
    foreign_secret: str
    deleted_secret: str  # a deleted key of the caller's project

    def auth(self, who="own"):
        """Request headers for one of the callers of the isolation matrix."""
        secret = {
            "own": self.secret,
            "sibling": self.sibling_secret,
            "foreign": self.foreign_secret,
            "deleted": self.deleted_secret,
            "garbage": "ak_live_this-is-not-a-key",
        }.get(who)
        return {} if secret is None else {"HTTP_AUTHORIZATION": secret}


def build_api_world(team) -> ApiWorld:
    project = Project.objects.create(account=team.account, name="Production")
    sibling = Project.objects.create(account=team.account, name="Staging")
    foreign = Project.objects.create(account=team.outsider_account, name="Production")
    key, secret = make_key(project)
    sibling_key, sibling_secret = make_key(sibling, "Staging API")
    foreign_key, foreign_secret = make_key(foreign, "Their API")
    _, deleted_secret = make_key(project, "Old key", deleted=True)
    return ApiWorld(
        project,
        key,
        secret,
        sibling,
        sibling_key,
        sibling_secret,
        foreign,
        foreign_key,
        foreign_secret,
        deleted_secret,
    )


def espeak(path: Path, text: str = SENTENCE, *, voice: str = "", speed: int = 140) -> Path:
    """Speak `text` into a WAV file (22,050 Hz mono, so the engine must resample)."""
    espeak_ng = shutil.which("espeak-ng")
    assert espeak_ng, "espeak-ng is required by the API tests: run scripts/browser-deps"
    voice_args = ["-v", voice] if voice else []
    subprocess.run([espeak_ng, *voice_args, "-s", str(speed), "-w", str(path), text], check=True)
    return path


def wav_bytes(path: Path) -> bytes:
    return path.read_bytes()


def rewrite_wav(source: Path, target: Path, *, rate=None, channels=1, width=2) -> Path:
    """Re-encode a 16-bit mono WAV with another rate, channel count or sample width."""
    from array import array

    with wave.open(str(source), "rb") as reader:
        source_rate = reader.getframerate()
        samples = array("h", reader.readframes(reader.getnframes()))
    rate = rate or source_rate
    if rate != source_rate:
        step = source_rate / rate
        samples = array("h", (samples[int(i * step)] for i in range(int(len(samples) / step))))
    frames = bytearray()
    for sample in samples:
        if width == 1:
            encoded = bytes([(sample >> 8) + 128])
        else:
            encoded = (sample << (8 * (width - 2))).to_bytes(width, "little", signed=True)
        frames += encoded * channels
    with wave.open(str(target), "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(width)
        writer.setframerate(rate)
        writer.writeframes(bytes(frames))
    return target


def stored_upload(project, api_key=None, content=b"RIFF-not-really-audio"):
    """An upload of `project` with its file on disk, as POST /v2/upload leaves it."""
    import uuid

    from django.conf import settings

    from transcripts.models import Upload

    upload_id = uuid.uuid4()
    relative = f"uploads/{project.pk}/{upload_id}"
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return Upload.objects.create(
        id=upload_id, project=project, api_key=api_key, path=relative, size=len(content)
    )


def stored_transcript(project, api_key=None, *, status="completed", text="hello there", **fields):
    """A transcript of `project` in the given state, with its upload."""
    from transcripts.models import Transcript

    upload = stored_upload(project, api_key)
    finished = status in ("completed", "error")
    return Transcript.objects.create(
        project=project,
        upload=upload,
        api_key=api_key,
        api_key_name=api_key.name if api_key else "",
        audio_url=f"http://testserver/v2/upload/{upload.pk}",
        status=status,
        speech_model_used="pocketsphinx",
        text=text if status == "completed" else None,
        words=(
            [{"text": "hello", "start": 0, "end": 300, "confidence": 0.9}]
            if status == "completed"
            else None
        ),
        audio_duration=2 if finished else None,
        completed_at=timezone.now() if finished else None,
        error="Bad audio" if status == "error" else "",
        **fields,
    )


# (container format, codec, sample rate) for each format the engine accepts.
ENCODINGS = {
    "mp3": ("mp3", "libmp3lame", 22050),
    "m4a": ("ipod", "aac", 22050),
    "aac": ("adts", "aac", 22050),
    "flac": ("flac", "flac", 22050),
    "ogg": ("ogg", "libvorbis", 22050),
    "opus": ("ogg", "libopus", 48000),
    "webm": ("webm", "libopus", 48000),
}


def encode(source: Path, target: Path, kind: str) -> Path:
    """Re-encode a WAV as `kind` (a key of ENCODINGS) with PyAV's own FFmpeg."""
    import av

    container_format, codec, rate = ENCODINGS[kind]
    resampler = av.AudioResampler(
        format="fltp" if codec != "flac" else "s16", layout="mono", rate=rate
    )
    with (
        av.open(str(source)) as reader,
        av.open(str(target), "w", format=container_format) as writer,
    ):
        stream = writer.add_stream(codec, rate=rate, layout="mono")
        for frame in reader.decode(audio=0):
            for out in resampler.resample(frame):
                writer.mux(stream.encode(out))
        for out in resampler.resample(None):
            writer.mux(stream.encode(out))
        writer.mux(stream.encode(None))
    return target
