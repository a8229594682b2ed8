"""What the rate limiter costs: single-offer reads with limits off, in memory, in Redis.

One command, one run: a throwaway PostgreSQL database with capmatch's migrations, a
partner, an organisation and a few hundred offers created over the API; then, round
after round, capmatch started three ways under identical uvicorn settings and loaded
with ``wrk`` (``bench/offers.lua``, ``GET /v1/offers/{random id}`` with the partner key):

- ``off``:    ``CAPMATCH_RATE_LIMIT=off`` (and the other budgets off): the baseline;
- ``memory``: every budget counted in the process (a budget too large to refuse);
- ``redis``:  the same budgets counted in Redis (``CAPMATCH_REDIS_URL``).

It prints requests/s, p50/p95 and server CPU per request of each, the medians over the
rounds and the cost against ``off`` of the same round; goals: memory costs <= 5 % of
read throughput, Redis <= 15 %.

    .venv/bin/python bench/ratelimits.py                   # from the repository root

Exit status: 0 goals met, 1 a goal missed, 2 the benchmark could not run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import harness
from api_read_write import (
    Measurement,
    Workload,
    drop_database,
    recreate_database,
    run_wrk,
)
from harness import RESULTS_DIR, BenchError, Capmatch, code_version, database_urls

ADMIN_KEY = "bench-admin-key-0123456789-abcdefghijklmnop"
COUNTED = harness.UNREFUSED_LIMITS["CAPMATCH_RATE_LIMIT"]  # counted, never refused
VARIANTS: dict[str, dict[str, str]] = {
    "off": {
        "CAPMATCH_RATE_LIMIT": "off",
        "CAPMATCH_RATE_LIMIT_WRITE": "off",
        "CAPMATCH_RATE_LIMIT_AUTH_FAILURES": "off",
    },
    "memory": {
        "CAPMATCH_RATE_LIMIT": COUNTED,
        "CAPMATCH_RATE_LIMIT_WRITE": COUNTED,
        "CAPMATCH_RATE_LIMIT_AUTH_FAILURES": COUNTED,
    },
}
GOALS = {"memory": 0.05, "redis": 0.15}


class Served(Capmatch):
    @property
    def base_url(self) -> str:
        return f"http://{harness.HOST}:{self.port}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="capmatch_bench_limits")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--offers", type=int, default=500)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--wrk-timeout", type=int, default=10)
    parser.add_argument("--port", type=int, default=8721)
    return parser.parse_args(argv)


def seed(capmatch: Served, offers: int) -> tuple[str, list[str]]:
    """(partner key, offer ids), created the way a client would."""
    partner = capmatch.created(
        "/v1/partners", ADMIN_KEY, {"name": "Bench Portal", "slug": "bench-limits"}
    )
    key = partner["api_key"]
    organization = capmatch.created(
        "/v1/organizations",
        key,
        {"name": "Bench Weberei", "kind": "manufacturer", "location": {"lat": 48.49, "lon": 9.21}},
    )
    ids = []
    for number in range(offers):
        offer = capmatch.created(
            "/v1/offers",
            key,
            {
                "organization_id": organization["id"],
                "title": f"Sewing line {number}",
                "skills": ["textile.sewing"],
                "capacity": {"per_week": 1000},
                "available_until": "2099-12-31",
            },
        )
        ids.append(offer["id"])
    return key, ids


def measure(
    args: argparse.Namespace, url: str, name: str, round_number: int, lua: tuple[str, ...]
) -> Measurement:
    log = RESULTS_DIR / f"ratelimits-{name}.log"
    server = Served(args.port, url, ADMIN_KEY, log, env=VARIANTS[name])
    server.start()
    try:
        workload = Workload(target=name, operation="read", server=server, lua_args=lua)  # type: ignore[arg-type]
        run_wrk(workload, args, duration=args.warmup, round_number=0)
        result = run_wrk(workload, args, duration=args.duration, round_number=round_number)
    finally:
        server.stop()
    if result.non_2xx or result.socket_errors:
        raise BenchError(f"{name}: {result.non_2xx} non-2xx, {result.socket_errors} errors")
    return result


def run(args: argparse.Namespace) -> int:
    if shutil.which("wrk") is None:
        raise BenchError("wrk is not installed (apt-get install -y wrk)")
    VARIANTS["redis"] = {**VARIANTS["memory"], "CAPMATCH_REDIS_URL": args.redis}
    _, url = database_urls(args.server, args.database)
    asyncio.run(recreate_database(args.server, args.database))
    environment = os.environ | {"CAPMATCH_DATABASE_URL": url, "CAPMATCH_ADMIN_API_KEY": ADMIN_KEY}
    subprocess.run([sys.executable, "-m", "app.cli", "migrate"], env=environment, check=True)
    try:
        seeding = Served(
            args.port, url, ADMIN_KEY, RESULTS_DIR / "ratelimits-seed.log", env=VARIANTS["off"]
        )
        seeding.start()
        try:
            key, ids = seed(seeding, args.offers)
        finally:
            seeding.stop()
        with tempfile.NamedTemporaryFile("w", suffix=".ids", delete=False) as handle:
            handle.write("\n".join(ids) + "\n")
        lua = ("read", handle.name, "/v1/offers/", key)
        results: list[Measurement] = []
        for round_number in range(1, args.rounds + 1):
            for name in VARIANTS:
                result = measure(args, url, name, round_number, lua)
                results.append(result)
                print(
                    f"round {round_number} {name:>6}: {result.requests_per_s:>8.1f} req/s  "
                    f"p50 {result.p50_ms:.2f} ms  p95 {result.p95_ms:.2f} ms  "
                    f"cpu {result.server_cpu_ms_per_request:.3f} ms/req",
                    flush=True,
                )
    finally:
        asyncio.run(drop_database(args.server, args.database))
    return report(results, args)


def report(results: list[Measurement], args: argparse.Namespace) -> int:
    by_round: dict[int, dict[str, float]] = {}
    for result in results:
        by_round.setdefault(result.round, {})[result.target] = result.requests_per_s
    costs = {
        name: statistics.median(1 - rates[name] / rates["off"] for rates in by_round.values())
        for name in GOALS
    }
    medians = {
        name: statistics.median(r.requests_per_s for r in results if r.target == name)
        for name in VARIANTS
    }
    print()
    for name, rate in medians.items():
        cost = (
            f"  cost {100 * costs[name]:+.1f} % (goal <= {100 * GOALS[name]:.0f} %)"
            if name in GOALS
            else ""
        )
        print(f"median {name:>6}: {rate:>8.1f} req/s{cost}")
    met = all(costs[name] <= goal for name, goal in GOALS.items())
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"ratelimits-{stamp}.json"
    document: dict[str, Any] = {
        "code": code_version(),
        "arguments": vars(args),
        "measurements": [asdict(result) for result in results],
        "median_requests_per_s": medians,
        "median_cost": costs,
        "goals_met": met,
    }
    path.write_text(json.dumps(document, indent=2))
    print(f"goals {'met' if met else 'MISSED'}; written to {path}")
    return 0 if met else 1


def main(argv: list[str] | None = None) -> int:
    try:
        return run(parse_args(argv))
    except BenchError as error:
        print(f"benchmark could not run: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
