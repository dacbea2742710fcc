"""Authenticated /v2 throughput with the key checks (K5-K7), as a ratio to the code before them.

    .venv/bin/python benchmarks/keys_auth.py [--base REV] [--requests N] [--rounds R] [--write]

Checks out the code before the key checks (by default the parent of the commit
that added apikeys/scopes.py) into a temporary `git worktree`, then runs the
same in-process requests (Django's test client, full middleware stack, one
transcript `GET /v2/transcript/{id}` per request) against it and against this
tree, alternating fresh processes, each tree on its own PostgreSQL database
(`console_bench_keys_base`, `console_bench_keys_head`). On this tree the key
has an expiry, the `read` scope and a 3-entry IP allowlist that admits the
client. With --write the figures go into benchmarks/README.md.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from common import write_section

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DB_PREFIX = os.environ.get("BENCH_DATABASE_PREFIX", "postgres://postgres@127.0.0.1:5432/")


def _git(*args, cwd=ROOT) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def _default_base() -> str:
    added = _git("log", "--diff-filter=A", "--format=%H", "--", "apikeys/scopes.py").splitlines()
    if not added:
        sys.exit("apikeys/scopes.py is not committed yet: pass --base REV.")
    return _git("rev-parse", f"{added[-1]}^")


# ---- the worker: runs inside one tree (cwd), prints requests/s ---------------------------


def _worker(requests: int, with_checks: bool) -> None:
    sys.path.insert(0, os.getcwd())
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from accounts.models import Account
    from apikeys import keys
    from apikeys.models import ApiKey
    from projects.models import Project
    from transcripts.models import Transcript, Upload

    account = Account.objects.create(name="Bench")
    project = Project.objects.create(account=account, name="Bench")
    secret = keys.generate_key()
    fields = {}
    if with_checks:
        fields = {
            "expires_at": timezone.now() + timedelta(days=30),
            "scope": "read",
            "allowed_ips": ["203.0.113.0/24", "2001:db8::/32", "127.0.0.0/8"],
        }
    api_key = ApiKey.objects.create(
        project=project,
        name="Bench",
        prefix=keys.display_prefix(secret),
        digest=keys.digest(secret),
        **fields,
    )
    upload = Upload.objects.create(project=project, path="", size=0)
    transcript = Transcript.objects.create(
        project=project,
        upload=upload,
        api_key=api_key,
        audio_url=f"http://testserver/v2/upload/{upload.pk}",
        status="completed",
        text="hello there " * 50,
        words=[{"text": "hello", "start": 0, "end": 300, "confidence": 0.9}] * 100,
        audio_duration=60,
    )
    client = Client(HTTP_AUTHORIZATION=secret)
    path = f"/v2/transcript/{transcript.pk}"
    for _ in range(200):  # warm-up: caches, the first last-used write
        assert client.get(path).status_code == 200
    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(requests):
        client.get(path)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    assert client.get(path).status_code == 200
    Account.objects.filter(pk=account.pk).delete()
    print(json.dumps({"rps": requests / elapsed, "cpu_rps": requests / cpu}))


# ---- the driver -------------------------------------------------------------------------


def _run(tree: Path, db: str, requests: int, with_checks: bool) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": DB_PREFIX + db,
        "DEBUG": "false",
        "SECRET_KEY": "benchmark-only",
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "VAR_DIR": str(Path(tempfile.gettempdir()) / f"{db}-var"),
        # Hundreds of requests a minute from one key, past any plan's rate (C3): what is
        # measured here is the same with or without it.
        "RATELIMIT_ENABLE": "false",
    }
    args = [sys.executable, str(Path(__file__).resolve()), "--worker", str(requests)]
    if with_checks:
        args.append("--with-checks")
    out = subprocess.run(args, cwd=tree, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--worker", type=int)
    parser.add_argument("--with-checks", action="store_true")
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker, args.with_checks)
        return
    base = args.base or _default_base()
    head = _git("rev-parse", "--short", "HEAD")
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    with tempfile.TemporaryDirectory(prefix="keys-bench-") as tmp:
        base_tree = Path(tmp) / "base"
        _git("worktree", "add", "--detach", str(base_tree), base)
        try:
            base_rps: list[float] = []
            head_rps: list[float] = []
            base_cpu: list[float] = []
            head_cpu: list[float] = []
            for round_ in range(args.rounds):
                # Alternate which goes first, so that a slow spell hits both alike.
                order = [("base", base_tree), ("head", ROOT)]
                for side, tree in order if round_ % 2 == 0 else order[::-1]:
                    if side == "base":
                        got = _run(tree, "console_bench_keys_base", args.requests, False)
                        base_rps.append(got["rps"])
                        base_cpu.append(got["cpu_rps"])
                    else:
                        got = _run(tree, "console_bench_keys_head", args.requests, True)
                        head_rps.append(got["rps"])
                        head_cpu.append(got["cpu_rps"])
                    print(
                        f"round {round_ + 1} {side}: {got['rps']:,.0f} requests/s, "
                        f"{got['cpu_rps']:,.0f} per CPU-second of the process",
                        flush=True,
                    )
        finally:
            _git("worktree", "remove", "--force", str(base_tree))
    ratios = [h / b for h, b in zip(head_rps, base_rps, strict=True)]
    base_med, head_med = statistics.median(base_rps), statistics.median(head_rps)
    cpu_ratios = [h / b for h, b in zip(head_cpu, base_cpu, strict=True)]
    base_cpu_med, head_cpu_med = statistics.median(base_cpu), statistics.median(head_cpu)
    # Paired: each round's two runs are neighbours in time, so a busy spell hits both.
    ratio = statistics.median(ratios)
    report = "\n".join(
        [
            "## Key checks on the hot path (`benchmarks/keys_auth.py`)",
            "",
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
            f"({os.cpu_count()} cores, PostgreSQL, shared with other work): "
            f"`GET /v2/transcript/{{id}}` in-process, {args.requests:,} requests per process "
            f"after 200 warm-ups, {args.rounds} alternating rounds.",
            "",
            "| code | key | median requests/s (wall) | rounds | median requests per "
            "CPU-second of the process | rounds |",
            "| --- | --- | --- | --- | --- | --- |",
            f"| before ({base[:10]}) | no expiry, scope or allowlist | {base_med:,.0f} | "
            + ", ".join(f"{r:,.0f}" for r in base_rps)
            + f" | {base_cpu_med:,.0f} | "
            + ", ".join(f"{r:,.0f}" for r in base_cpu)
            + " |",
            f"| this tree ({head}{', uncommitted changes' if dirty else ''}) | expires in 30 "
            f"days, `read` scope, 3-entry allowlist | {head_med:,.0f} | "
            + ", ".join(f"{r:,.0f}" for r in head_rps)
            + f" | {head_cpu_med:,.0f} | "
            + ", ".join(f"{r:,.0f}" for r in head_cpu)
            + " |",
            "",
            f"**Ratio {ratio:.3f}x** (median of the rounds' ratios; target ≥ 0.95x); "
            "per round: "
            + ", ".join(f"{r:.3f}" for r in ratios)
            + f"; ratio of the medians {head_med / base_med:.3f}x. Per CPU-second of the "
            f"process (less moved by other work on the machine): "
            f"{statistics.median(cpu_ratios):.3f}x (rounds: "
            + ", ".join(f"{r:.3f}" for r in cpu_ratios)
            + ").",
        ]
    )
    print(report)
    if args.write:
        write_section("keys-auth", report)


if __name__ == "__main__":
    main()
