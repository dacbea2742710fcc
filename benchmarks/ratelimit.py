"""Added latency of the per-key request rate limit on `/v2` (C3), as a ratio.

    .venv/bin/python benchmarks/ratelimit.py [--requests N] [--rounds R] [--write]

In-process (Django's test client, full middleware stack) against its own
PostgreSQL database (`console_bench_ratelimit`, or BENCH_DATABASE_URL) and
Redis (REDIS_URL, default db 12 on 127.0.0.1): the counters live in Redis, as
in production. The cheapest authenticated call, `GET /v2/transcript` on an
empty project, alternately with the rate limit on and off
(`RATELIMIT_ENABLE`), so that a busy spell on the shared machine slows both
alike. Each request uses the next of 50 keys (an Enterprise account: 3,000 a
minute each), so none is ever refused. The figures are each side's median
latency per round and the median of the rounds' ratios. With --write they go
into benchmarks/README.md.
"""

import argparse
import os
import platform
import statistics
import time
from datetime import UTC, datetime

from common import django_in_process, write_section

KEYS = 50


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    django_in_process(
        "console_bench_ratelimit",
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/12"),
    )

    from django.core.management import call_command
    from django.test import Client, override_settings

    call_command("migrate", verbosity=0)
    from accounts.models import Account
    from accounts.plans import PlanCode
    from apikeys import keys
    from apikeys.models import ApiKey
    from projects.models import Project

    Account.objects.filter(name="Bench rate limit").delete()
    account = Account.objects.create(name="Bench rate limit", plan=PlanCode.ENTERPRISE)
    project = Project.objects.create(account=account, name="Bench")
    secrets = []
    for index in range(KEYS):
        secret = keys.generate_key()
        ApiKey.objects.create(
            project=project,
            name=f"Bench {index}",
            prefix=keys.display_prefix(secret),
            digest=keys.digest(secret),
        )
        secrets.append(secret)
    client = Client()
    sent = 0

    def call(enabled: bool) -> float:
        nonlocal sent
        secret = secrets[sent % KEYS]
        sent += 1
        with override_settings(RATELIMIT_ENABLE=enabled):
            started = time.perf_counter()
            response = client.get("/v2/transcript", HTTP_AUTHORIZATION=secret)
            elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.content
        assert ("X-RateLimit-Remaining" in response) == enabled
        return elapsed

    def one_round() -> tuple[list[float], list[float]]:
        times: dict[bool, list[float]] = {False: [], True: []}
        for index in range(2 * args.requests):
            enabled = index % 2 == 1
            times[enabled].append(call(enabled))
        return times[False], times[True]

    one_round()  # warm-up: connections, caches
    off: list[float] = []
    on: list[float] = []
    ratios: list[float] = []
    for round_ in range(args.rounds):
        without, with_limit = (statistics.median(t) for t in one_round())
        off.append(without)
        on.append(with_limit)
        ratios.append(with_limit / without)
        print(
            f"round {round_ + 1}: off {without * 1000:.2f} ms, on {with_limit * 1000:.2f} ms, "
            f"ratio {ratios[-1]:.3f}",
            flush=True,
        )
    Account.objects.filter(pk=account.pk).delete()
    ratio = statistics.median(ratios)
    report = "\n".join(
        [
            "## Per-key request rate limit on `/v2` (`benchmarks/ratelimit.py`)",
            "",
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
            f"({os.cpu_count()} cores, PostgreSQL and Redis, shared with other work): "
            f"in-process `GET /v2/transcript` on an empty project, {args.requests} per side "
            f"and round, {args.rounds} rounds alternating the limit off and on, "
            f"{KEYS} keys in turn.",
            "",
            "| rate limit | median latency (ms) | rounds |",
            "| --- | --- | --- |",
            f"| off | {statistics.median(off) * 1000:.2f} | "
            + ", ".join(f"{t * 1000:.2f}" for t in off)
            + " |",
            f"| on (counted in Redis) | {statistics.median(on) * 1000:.2f} | "
            + ", ".join(f"{t * 1000:.2f}" for t in on)
            + " |",
            "",
            f"**Ratio {ratio:.3f}x** (median of the rounds' ratios); per round: "
            + ", ".join(f"{r:.3f}" for r in ratios)
            + ". The cheapest call: on a transcript create (about 7 ms) the same "
            "absolute cost is a far smaller share.",
        ]
    )
    print(report)
    if args.write:
        write_section("ratelimit", report)


if __name__ == "__main__":
    main()
