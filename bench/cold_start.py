"""Cold start at a million offers: how long a starting worker takes to be ready to match.

One command, one run, on PostgreSQL: the synthetic market of ``bench/match.py`` (1M
offers by default, COPY'd in), then capmatch started four ways with
``CAPMATCH_MATCH_PRELOAD=true`` (the default of ``capmatch serve``):

- ``database``:  no snapshot yet: the worker reads every offer (the baseline);
- ``snapshot``:  restarted: it maps the snapshot the first start wrote;
- ``2 workers, database``: two workers, no snapshot: one loads and writes, the other
  waits for the file and maps it;
- ``2 workers, snapshot``: two workers restarted.

For each: seconds from the process start until ``/readyz`` answers 200 (for two
workers: until 20 calls in a row do, on fresh connections, so both are ready), and the
first search's latency after that (``POST /v1/matches/search``). Goal: ready <= 15 s at
1M offers.

    .venv/bin/python bench/cold_start.py                      # from the repository root
    .venv/bin/python bench/cold_start.py --offers 100000      # quicker

Exit status: 0 goal met, 1 missed, 2 the benchmark could not run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import match_seed as seed
from api_read_write import drop_database, recreate_database
from harness import RESULTS_DIR, BenchError, Capmatch, code_version, database_urls
from match import seed_database

GOAL_READY_S = 15.0
READY_TIMEOUT_S = 900.0
CONSECUTIVE_READY = 20


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="capmatch_bench_cold")
    parser.add_argument("--offers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--keep-db", action="store_true")
    return parser.parse_args(argv)


def ready_after(server: Capmatch, started: float, *, consecutive: int) -> float:
    """Seconds from ``started`` until ``/readyz`` said 200 ``consecutive`` times in a row."""
    deadline = started + READY_TIMEOUT_S
    streak = 0
    while time.monotonic() < deadline:
        try:
            status = server.call("GET", "/readyz", timeout=5)[0]
        except OSError:
            status = 0
        streak = streak + 1 if status == 200 else 0
        if streak >= consecutive:
            return time.monotonic() - started
        time.sleep(0.1 if status == 200 else 0.25)
    raise BenchError(f"not ready after {READY_TIMEOUT_S:.0f} s")


def start(
    args: argparse.Namespace, url: str, admin_key: str, name: str, env: dict[str, str], workers: int
) -> tuple[Capmatch, float]:
    server = Capmatch(
        args.port,
        url,
        admin_key,
        RESULTS_DIR / f"cold_start-{name}.log",
        workers=workers,
        env={"CAPMATCH_MATCH_PRELOAD": "true", **env},
    )
    started = time.monotonic()
    server.start()  # returns once /healthz answers (liveness: before the index is loaded)
    ready_s = ready_after(server, started, consecutive=CONSECUTIVE_READY if workers > 1 else 1)
    return server, ready_s


def first_search_ms(server: Capmatch, token: str, body: dict[str, Any]) -> float:
    started = time.perf_counter()
    status, payload = server.call("POST", "/v1/matches/search", token=token, body=body)
    if status != 200:
        raise BenchError(f"search: HTTP {status}: {str(payload)[:300]}")
    return 1000 * (time.perf_counter() - started)


def run(args: argparse.Namespace) -> int:
    dsn, url = database_urls(args.server, args.database)
    asyncio.run(recreate_database(args.server, args.database))
    admin_key = secrets.token_urlsafe(32)
    environment = {"CAPMATCH_DATABASE_URL": url, "CAPMATCH_ADMIN_API_KEY": admin_key}
    subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"],
        env={**os.environ, **environment},
        check=True,
    )
    snapshots = Path(tempfile.mkdtemp(prefix="capmatch-cold-"))
    snapshots.chmod(0o700)
    results: dict[str, Any] = {}
    try:
        today = date.today()
        places = seed.load_places()
        market = seed.generate_market(args.offers, args.seed, places, today)
        print(f"seeding {args.offers:,} offers ...", flush=True)
        results["seed"] = asyncio.run(seed_database(dsn, market))
        need = seed.generate_needs(1, args.seed, places, today)[0]
        del market

        # A partner and an organisation over the API: the change log then holds an
        # entry, as a live database's does (the bulk seed emptied it).
        setup, _ = start(args, url, admin_key, "setup", {"CAPMATCH_MATCH_SNAPSHOT": "off"}, 1)
        try:
            partner = setup.created(
                "/v1/partners", admin_key, {"name": "Bench", "slug": "bench-cold"}
            )
            token = partner["api_key"]
            setup.created(
                "/v1/organizations",
                token,
                {
                    "name": "Cold Start GmbH",
                    "kind": "buyer",
                    "location": {"lat": 50.9, "lon": 11.0},
                },
            )
        finally:
            setup.stop()

        env = {"CAPMATCH_MATCH_SNAPSHOT": str(snapshots)}
        for name, workers, fresh in (
            ("database", 1, True),
            ("snapshot", 1, False),
            ("2 workers, database", 2, True),
            ("2 workers, snapshot", 2, False),
        ):
            if fresh:
                for stale in snapshots.iterdir():
                    stale.unlink()
            server, ready_s = start(
                args, url, admin_key, name.replace(" ", "").replace(",", "-"), env, workers
            )
            try:
                search_ms = first_search_ms(server, token, need.body())
            finally:
                server.stop()
            files = sorted(snapshots.glob("*.npz"))
            size_mb = files[0].stat().st_size / 1e6 if files else 0.0
            results[name] = {"ready_s": round(ready_s, 2), "first_search_ms": round(search_ms, 1)}
            print(
                f"{name:>22}: ready after {ready_s:7.2f} s, first search {search_ms:8.1f} ms"
                f"  (snapshot file {size_mb:.0f} MB)",
                flush=True,
            )
    finally:
        shutil.rmtree(snapshots, ignore_errors=True)
        if not args.keep_db:
            asyncio.run(drop_database(args.server, args.database))
    met = results["snapshot"]["ready_s"] <= GOAL_READY_S
    speedup = results["database"]["ready_s"] / results["snapshot"]["ready_s"]
    print(
        f"\nsnapshot start {speedup:.1f}x faster than a load from the database; "
        f"goal ready <= {GOAL_READY_S:.0f} s {'met' if met else 'MISSED'}"
    )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"cold_start-{stamp}.json"
    path.write_text(
        json.dumps({"code": code_version(), "arguments": vars(args), "results": results}, indent=2)
    )
    print(f"written to {path}")
    return 0 if met else 1


def main(argv: list[str] | None = None) -> int:
    try:
        return run(parse_args(argv))
    except BenchError as error:
        print(f"benchmark could not run: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
