"""Requests per second at concurrency 16 under gunicorn: this tree against a base commit.

    .venv/bin/python benchmarks/connections.py [--base COMMIT] [--seconds 15] [--write-readme]

Checks the base commit out with `git worktree add` into a temporary folder and
serves each tree in turn (base first) with gunicorn as the README's Deploy
section runs it (3 sync workers, DEBUG off), each on its own fresh PostgreSQL
database migrated by its own code and seeded with one account, project, API key
and 20 transcripts. `wrk` (Debian's package) sends GET /health and an
authenticated GET /v2/transcript at 16 connections. Databases and the worktree
are removed at the end.
"""

import argparse
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
PG = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/11"
WORKERS = 3
CONCURRENCY = 16

SEED = """
from accounts.services import account_create
from accounts.models import User
from projects.services import project_create
from apikeys.services import apikey_create
from transcripts.models import Transcript
owner = User.objects.create_user(email="bench@example.test", password="x-bench-pass-1")
account = account_create(owner=owner, name="Bench")
project = project_create(account=account, actor=owner, name="Bench project")
issued = apikey_create(account=account, actor=owner, project=project, name="Bench key")
for i in range(20):
    Transcript.objects.create(project=project, audio_url=f"upload://{i}", status="completed",
                              text="hello world", audio_duration=3, speech_model_used="bench")
print("KEY=" + issued.secret)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG}/postgres", "-qc", sql], check=True)


def _env(database: str, tree: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"{PG}/{database}",
        "REDIS_URL": REDIS,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-not-for-use-anywhere-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "LOG_LEVEL": "WARNING",
        # Thousands of requests a second from one key: far past any plan's rate (C3).
        "RATELIMIT_ENABLE": "false",
        "VAR_DIR": str(tree / "var" / "bench-http"),
        "PYTHONPATH": str(tree),
    }


def _wrk(url: str, seconds: int, header: str | None = None) -> float:
    command = ["wrk", "-t2", f"-c{CONCURRENCY}", f"-d{seconds}s", "--latency", url]
    if header:
        command[1:1] = ["-H", header]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{url}: {non2xx.group(1)} error responses\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def serve_and_measure(tree: Path, database: str, seconds: int) -> dict:
    _psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    _psql(f'CREATE DATABASE "{database}"')
    env = _env(database, tree)
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=tree, env=env, check=True)
    seeded = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", SEED],
        cwd=tree,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    key = re.search(r"KEY=(\S+)", seeded).group(1)
    port = _free_port()
    server = subprocess.Popen(
        [
            *(PYTHON, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"),
            *("--workers", str(WORKERS), "--log-level", "warning"),
        ],
        cwd=tree,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        _wrk(f"{base}/health", 3)  # warm-up: every worker imported and connected
        _wrk(f"{base}/v2/transcript", 3, f"Authorization: {key}")
        return {
            "health": _wrk(f"{base}/health", seconds),
            "api": _wrk(f"{base}/v2/transcript", seconds, f"Authorization: {key}"),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
        _psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="e3932f9", help="The commit measured as 'before'.")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")
    folder = Path(tempfile.mkdtemp(prefix="console-base-"))
    base_tree = folder / "tree"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(base_tree), args.base], cwd=ROOT, check=True
    )
    try:
        before = serve_and_measure(base_tree, "console_bench_http_before", args.seconds)
        after = serve_and_measure(ROOT, "console_bench_http_after", args.seconds)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=ROOT)
        shutil.rmtree(folder, ignore_errors=True)
    r = {"base": args.base, "seconds": args.seconds, "before": before, "after": after}
    print(r)
    if args.write_readme:
        write_readme(r)


def write_readme(r):
    path = ROOT / "benchmarks" / "README.md"
    text = path.read_text()
    begin, finish = "<!-- connections:begin -->", "<!-- connections:end -->"
    b, a = r["before"], r["after"]
    section = f"""{begin}
## Connections (`benchmarks/connections.py`)

Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} (load average
{os.getloadavg()[0]:.1f} when written: other people's work shares these 2 cores; 2 cores shared by gunicorn,
PostgreSQL, Redis and `wrk`): gunicorn with {WORKERS} sync workers, `DEBUG=false`, `wrk`
at {CONCURRENCY} connections for {r["seconds"]} s per line; "before" is commit `{r["base"]}`
(a new PostgreSQL connection per request, sessions in the database), served in
the same run from a `git worktree` of it.

| request | before | after | ratio |
| --- | --- | --- | --- |
| `GET /health` | {b["health"]:,.0f} req/s | {a["health"]:,.0f} req/s | **{a["health"] / b["health"]:.1f}x** |
| `GET /v2/transcript` (API key, 20 transcripts) | {b["api"]:,.0f} req/s | {a["api"]:,.0f} req/s | **{a["api"] / b["api"]:.1f}x** |

{finish}"""
    if begin in text:
        text = text[: text.index(begin)] + section + text[text.index(finish) + len(finish) :]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)


if __name__ == "__main__":
    main()
