"""Added latency of the spend-limit check on `POST /v2/transcript` (C1), as a ratio.

    .venv/bin/python benchmarks/limits.py [--requests N] [--rounds R] [--pending P] [--write]

In-process (Django's test client, full middleware stack) against its own
PostgreSQL database (`console_bench_limits`, or BENCH_DATABASE_URL). Two
accounts, each with a project, a key, a 60-second WAV upload and P usage
events of this month recorded and left unfolded (plus P folded into the
rollups): one with no limit at all, one with a limit on the account, the
project and the key (all three locked and checked on every create). Each
round sends N creates to each account, in turn (so a busy spell on the shared
machine slows both alike), then deletes the transcripts and reservations made
(the steady state of transcripts that finish). The figures are each side's
median latency per round, and the median of the rounds' ratios. With --write
they go into benchmarks/README.md.
"""

import argparse
import io
import os
import platform
import statistics
import tempfile
import time
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import django_in_process, write_section


def _wav(seconds: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(1)
        writer.setframerate(4000)
        writer.writeframes(b"\x80" * 4000 * seconds)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--pending", type=int, default=10_000)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    django_in_process(
        "console_bench_limits",
        # The queued transcripts go nowhere: no worker, no broker to wait on.
        CELERY_BROKER_URL="memory://",
        # Hundreds of requests a minute from one key, past any plan's rate (C3): what is
        # measured here is the same with or without it.
        RATELIMIT_ENABLE="false",
    )

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from accounts.models import Account, User
    from accounts.permissions import Role
    from apikeys import keys
    from apikeys.models import ApiKey
    from projects.models import Project
    from reporting.limits.models import SpendLimit, SpendReservation
    from reporting.limits.services import spend_limit_set
    from reporting.usage.models import PendingUsage
    from reporting.usage.services import usage_aggregate, usage_events_record
    from reporting.usage.values import NewUsageEvent
    from transcripts.models import Transcript, Upload

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-limits-media-")
    Account.objects.filter(name__startswith="Bench limits").delete()
    owner, _ = User.objects.get_or_create(email="bench-limits@example.com")
    content = _wav(60)

    def tenant(name: str) -> dict:
        """An account with a project, a key, its usage this month and a 60-second upload."""
        account = Account.objects.create(name=name)
        account.memberships.create(user=owner, role=Role.OWNER)
        project = Project.objects.create(account=account, name="Production")
        secret = keys.generate_key()
        api_key = ApiKey.objects.create(
            project=project,
            name="Bench",
            prefix=keys.display_prefix(secret),
            digest=keys.digest(secret),
        )
        path = f"uploads/{project.pk}/bench.wav"
        (Path(settings.MEDIA_ROOT) / path).parent.mkdir(parents=True)
        (Path(settings.MEDIA_ROOT) / path).write_bytes(content)
        upload = Upload.objects.create(project=project, path=path, size=len(content))
        return {
            "account": account,
            "project": project,
            "key": api_key,
            "client": Client(HTTP_AUTHORIZATION=secret),
            "body": f'{{"audio_url": "http://testserver/v2/upload/{upload.pk}"}}',
        }

    def record(side: dict, count: int, tag: str) -> None:
        now = timezone.now()
        start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        span = max(1, int((now - start).total_seconds()) - 60)
        for first in range(0, count, 1000):
            usage_events_record(
                events=[
                    NewUsageEvent(
                        account_id=side["account"].pk,
                        project_id=side["project"].pk,
                        api_key_id=side["key"].pk,
                        product="speech_to_text",
                        model="best",
                        quantity=30,
                        occurred_at=start + timedelta(seconds=(i * 7919) % span),
                        idempotency_key=f"bench-limits:{side['account'].pk}:{tag}:{i}",
                    )
                    for i in range(first, min(first + 1000, count))
                ]
            )

    plain_side, limited_side = tenant("Bench limits: none"), tenant("Bench limits: three")
    for side in (plain_side, limited_side):
        record(side, args.pending, "folded")
    usage_aggregate()
    for side in (plain_side, limited_side):
        record(side, args.pending, "pending")
    unfolded = PendingUsage.objects.filter(account_id=limited_side["account"].pk).count()
    big = 1_000_000 * 1_000_000
    account = limited_side["account"]
    spend_limit_set(account=account, actor=owner, amount_micros=big)
    spend_limit_set(
        account=account, actor=owner, amount_micros=big, project=limited_side["project"]
    )
    spend_limit_set(account=account, actor=owner, amount_micros=big, api_key=limited_side["key"])
    assert SpendLimit.objects.filter(account=account).count() == 3
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE reporting_pendingusage")
        cursor.execute("ANALYZE reporting_usagerollupdaily")

    def create(side: dict) -> float:
        started = time.perf_counter()
        response = side["client"].post(
            "/v2/transcript", side["body"], content_type="application/json"
        )
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.content
        return elapsed

    def one_round() -> tuple[list[float], list[float]]:
        """Requests of the two accounts in turn: a busy spell slows both alike."""
        times: dict[bool, list[float]] = {False: [], True: []}
        for index in range(2 * args.requests):
            limited = index % 2 == 1
            times[limited].append(create(limited_side if limited else plain_side))
        held = SpendReservation.objects.filter(account=account).count()
        assert held == args.requests, held
        assert not SpendReservation.objects.exclude(account=account).exists()
        for side in (plain_side, limited_side):
            Transcript.objects.filter(project=side["project"]).delete()
        SpendReservation.objects.filter(account=account).delete()
        return times[False], times[True]

    one_round()  # warm-up: caches, connections, the engine's language table
    plain: list[float] = []
    limited: list[float] = []
    ratios: list[float] = []
    for round_ in range(args.rounds):
        without, with_limits = (statistics.median(t) for t in one_round())
        plain.append(without)
        limited.append(with_limits)
        ratios.append(with_limits / without)
        print(
            f"round {round_ + 1}: no limit {without * 1000:.2f} ms, "
            f"3 limits {with_limits * 1000:.2f} ms, ratio {ratios[-1]:.3f}",
            flush=True,
        )
    Account.objects.filter(name__startswith="Bench limits").delete()
    ratio = statistics.median(ratios)
    report = "\n".join(
        [
            "## Spend-limit check on `POST /v2/transcript` (`benchmarks/limits.py`)",
            "",
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
            f"({os.cpu_count()} cores, PostgreSQL, shared with other work): in-process creates "
            f"of a 60-second WAV upload's transcript, {args.requests} per side and round, "
            f"{args.rounds} rounds of requests alternating between two accounts (one with no "
            f"limit, one with limits on the account, its project and its key); each holds "
            f"{unfolded:,} events of this month not yet folded (and {args.pending:,} folded "
            "into the rollups).",
            "",
            "| create | median latency (ms) | rounds |",
            "| --- | --- | --- |",
            f"| no limit | {statistics.median(plain) * 1000:.2f} | "
            + ", ".join(f"{t * 1000:.2f}" for t in plain)
            + " |",
            f"| limits on the account, project and key | {statistics.median(limited) * 1000:.2f} | "
            + ", ".join(f"{t * 1000:.2f}" for t in limited)
            + " |",
            "",
            f"**Ratio {ratio:.3f}x** (median of the rounds' ratios; target ≤ 1.2x); per round: "
            + ", ".join(f"{r:.3f}" for r in ratios)
            + ".",
        ]
    )
    print(report)
    if args.write:
        write_section("limits", report)


if __name__ == "__main__":
    main()
