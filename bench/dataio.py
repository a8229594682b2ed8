"""Data in and out: imports of 100k offer rows, and the export of a million offers.

Usage (PostgreSQL on 127.0.0.1, throwaway databases it creates and drops):

    .venv/bin/python bench/dataio.py                       # both parts, full sizes
    .venv/bin/python bench/dataio.py --part export --offers 200000

1. **Export** (PostgreSQL). ``--offers`` offers are seeded with COPY (the market of
   ``bench/match.py``), then ``GET /v1/offers/export?format=csv`` streams them all over
   HTTP with the admin key while the server's resident memory is sampled. Baseline, same
   run: ``COPY (SELECT <the same columns> ... ORDER BY id) TO STDOUT (FORMAT csv)``
   straight from PostgreSQL, the floor of any CSV export. Goals: >= 50k rows/s and the
   server's RSS growing <= 50 MB; the ratio to COPY is reported.
2. **Import** (PostgreSQL and SQLite): ``--rows`` offer rows as CSV (German dates,
   decimal commas, ``;``) and XLSX, dry run and real, over HTTP with the embedded import
   runner; baseline COPY of the same rows. See ``bench/dataio_import.py``.

Results: printed, and written to ``bench/results/dataio-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))
sys.path.insert(0, str(BENCH_DIR))

import dataio_import  # noqa: E402
import match_seed as seed  # noqa: E402
from harness import (  # noqa: E402
    HOST,
    RESULTS_DIR,
    BenchError,
    Capmatch,
    admin,
    code_version,
    database_urls,
    machine_info,
    read_status,
    server_version,
)
from match import seed_database  # noqa: E402

from app.core.config import Settings  # noqa: E402
from app.migrate import upgrade  # noqa: E402

ADMIN_KEY = "bench-admin-key-0123456789abcdefghijklmnopqrstuvwxyz"
EXPORT_ROWS_PER_S_GOAL = 50_000
EXPORT_RSS_GOAL_MB = 50
# The export's columns as SQL over the offers table (COLUMNS["offers"] order), for COPY.
COPY_COLUMNS = (
    "o.id, o.external_ref, o.organization_id, g.external_ref, o.title, o.description, "
    "o.skills, o.products, o.certifications, o.capacity_unit, o.capacity_per_week, "
    "o.capacity_total, o.min_order_quantity, o.lead_time_days, o.available_from, "
    "o.available_until, o.lat, o.lon, o.service_radius_km, o.visibility, o.status"
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="capmatch_bench_dataio")
    parser.add_argument("--part", choices=("export", "import", "all"), default="all")
    parser.add_argument("--offers", type=int, default=1_000_000, help="exported")
    parser.add_argument("--rows", type=int, default=100_000, help="imported")
    parser.add_argument("--organizations", type=int, default=500, help="owners of imported rows")
    parser.add_argument("--port", type=int, default=8793)
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--keep-db", action="store_true")
    return parser.parse_args(argv)


class RssSampler(threading.Thread):
    """The server's VmRSS every 50 ms while an export runs (kB)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.samples, self.done = pid, [read_status(pid)["VmRSS"]], threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.05):
            self.samples.append(read_status(self.pid)["VmRSS"])


def http_export(port: int, path: str, pid: int) -> dict[str, Any]:
    connection = http.client.HTTPConnection(HOST, port, timeout=600)
    sampler = RssSampler(pid)
    sampler.start()
    began = time.perf_counter()
    lines = size = 0
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        response = connection.getresponse()
        if response.status != 200:
            raise BenchError(f"GET {path}: {response.status} {response.read()[:300]!r}")
        while block := response.read(1 << 20):
            size += len(block)
            lines += block.count(b"\n")
    finally:
        seconds = time.perf_counter() - began
        sampler.done.set()
        sampler.join()
        connection.close()
    rows = lines - 1  # the header
    before, peak = sampler.samples[0], max(sampler.samples)
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "mb": round(size / 1e6, 1),
        "rss_before_mb": round(before / 1024, 1),
        "rss_peak_mb": round(peak / 1024, 1),
        "rss_growth_mb": round((peak - before) / 1024, 1),
    }


async def copy_export(dsn: str) -> dict[str, Any]:
    """The floor: PostgreSQL writes the same rows as CSV itself; the bytes are counted."""
    connection = await asyncpg.connect(dsn)
    counted = {"bytes": 0, "lines": 0}

    async def sink(block: bytes) -> None:
        counted["bytes"] += len(block)
        counted["lines"] += block.count(b"\n")

    query = (
        f"SELECT {COPY_COLUMNS} FROM offers o "  # noqa: S608 - constant columns
        "LEFT JOIN organizations g ON g.id = o.organization_id ORDER BY o.id"
    )
    began = time.perf_counter()
    try:
        await connection.copy_from_query(query, output=sink, format="csv")
    finally:
        await connection.close()
    seconds = time.perf_counter() - began
    return {
        "rows": counted["lines"],
        "seconds": round(seconds, 2),
        "rows_per_s": round(counted["lines"] / seconds),
        "mb": round(counted["bytes"] / 1e6, 1),
    }


def run_export(args: argparse.Namespace) -> dict[str, Any]:
    database = f"{args.database}_export"
    dsn, url = database_urls(args.server, database)
    asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    asyncio.run(admin(args.server, f'CREATE DATABASE "{database}"'))
    result: dict[str, Any] = {}
    try:
        upgrade(Settings(database_url=url))
        result["machine"] = machine_info(asyncio.run(server_version(dsn)))
        print(f"[dataio] seeding {args.offers:,} offers ...", flush=True)
        market = seed.generate_market(args.offers, args.seed, seed.load_places(), date.today())
        result["seed"] = asyncio.run(seed_database(dsn, market))
        del market
        server = Capmatch(args.port, url, ADMIN_KEY, RESULTS_DIR / "dataio-server.log")
        server.start()
        try:
            assert server.process is not None
            http_export(args.port, "/v1/offers/export?format=csv&status=draft", server.process.pid)
            print("[dataio] GET /v1/offers/export?format=csv ...", flush=True)
            result["http_csv"] = http_export(
                args.port, "/v1/offers/export?format=csv", server.process.pid
            )
        finally:
            server.stop()
        print("[dataio] COPY ... TO STDOUT (baseline) ...", flush=True)
        result["copy_csv"] = asyncio.run(copy_export(dsn))
        result["ratio_to_copy"] = round(
            result["copy_csv"]["rows_per_s"] / result["http_csv"]["rows_per_s"], 2
        )
    finally:
        if not args.keep_db:
            asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    return result


def report_export(result: dict[str, Any]) -> list[tuple[str, bool]]:
    http, copy = result["http_csv"], result["copy_csv"]
    print("\n=== export: offers as CSV ===")
    print(f"{'path':44} {'rows':>10} {'s':>8} {'rows/s':>10} {'MB':>8}")
    for name, row in (
        ("GET /v1/offers/export?format=csv", http),
        ("COPY TO STDOUT (baseline)", copy),
    ):
        figures = f"{row['rows']:>10,} {row['seconds']:>8} {row['rows_per_s']:>10,}"
        print(f"{name:44} {figures} {row['mb']:>8}")
    print(
        f"server RSS {http['rss_before_mb']} MB -> peak {http['rss_peak_mb']} MB "
        f"(+{http['rss_growth_mb']} MB); COPY is {result['ratio_to_copy']}x as fast"
    )
    return [
        (
            f"export >= {EXPORT_ROWS_PER_S_GOAL:,} rows/s",
            http["rows_per_s"] >= EXPORT_ROWS_PER_S_GOAL,
        ),
        (
            f"server RSS grows <= {EXPORT_RSS_GOAL_MB} MB",
            http["rss_growth_mb"] <= EXPORT_RSS_GOAL_MB,
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result: dict[str, Any] = {"code": code_version(), "args": vars(args)}
    goals: list[tuple[str, bool]] = []
    try:
        if args.part in ("import", "all"):
            result["import"] = dataio_import.run(args)
            goals += dataio_import.report(result["import"])
        if args.part in ("export", "all"):
            result["export"] = run_export(args)
            goals += report_export(result["export"])
    except BenchError as error:
        print(f"bench/dataio.py: {error}", file=sys.stderr)
        return 2
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"dataio-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    for name, met in goals:
        print(f"  {name:44} {'met' if met else 'MISSED'}")
    print(f"\ncode {result['code']}; wrote {path.relative_to(RESULTS_DIR.parent.parent)}")
    return 0 if all(met for _, met in goals) else 1


if __name__ == "__main__":
    sys.exit(main())
