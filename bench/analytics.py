"""The situation picture at scale (issue 16): ``GET /v1/analytics/supply-demand``.

A market of ``--offers`` offers and ``--requests`` open requests (``bench/match_seed.py``'s
archetypes and DACH places, each offer and request in the state or canton its
coordinates fall in) is copied into a throwaway PostgreSQL database. Then, same run:

1. baseline: the straightforward SQL ``GROUP BY`` of the same figures for
   ``group_by=region`` over 8 weeks (offers' period supply per region, requests' unreserved
   demand per region, full outer join), ``--sql-calls`` times;
2. capmatch under uvicorn (one worker), admin key (sees everything): the first call
   (it waits for the worker's matching index to load), then ``--calls`` calls of
   ``?group_by=region&weeks=8`` one after the other over one keep-alive connection;
   also ``group_by=region,skill,week`` to show the cost of finer groups;
3. the API's figures are compared with the baseline's per region.

Goals: p95 <= 200 ms at 1M offers and 100k requests, and >= 10x faster than the SQL.

    .venv/bin/python bench/analytics.py                      # 1M offers, 100k requests
    .venv/bin/python bench/analytics.py --offers 100000 --requests 10000 --calls 20
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import match_seed as seed
import numpy as np
from harness import (
    HOST,
    REPO_DIR,
    RESULTS_DIR,
    BenchError,
    Capmatch,
    admin,
    code_version,
    database_urls,
    http_call,
    latency_summary,
    machine_info,
    server_version,
)
from match import PARTNER_ID, seed_database
from match_demand import REQUEST_COLUMNS, request_records, request_rows, seed_requests

from app.core.config import Settings
from app.geo.shapes import region_at
from app.migrate import upgrade
from app.taxonomy.loading import load_taxonomy

ADMIN_KEY = "bench-admin-key-0123456789abcdefghijklmnopqrstuvwxyz"
WEEKS = 8
GOAL_P95_MS = 200.0
GOAL_SPEEDUP = 10.0

BASELINE_SQL = """
WITH engaged AS (
    SELECT request_id, sum(quantity) AS units FROM engagements
    WHERE status IN ('accepted', 'fulfilled') OR (status = 'pending' AND expires_at > now())
    GROUP BY request_id
), offer_supply AS (
    SELECT region, greatest(0, least(
        total_quantity - reserved_quantity - held_quantity,
        capacity_per_week::bigint * greatest(0,
            least(available_until, $1::date + $3::int * 7 - 1)
            - greatest(available_from, $2::date + lead_time_days, $1::date) + 1) / 7
    )) AS units
    FROM offers WHERE status = 'active' AND available_until >= $2::date
), supply AS (
    SELECT coalesce(region, '') AS region, sum(units) AS supply,
           count(*) FILTER (WHERE units > 0) AS offers
    FROM offer_supply GROUP BY 1
), demand AS (
    SELECT coalesce(r.region, '') AS region,
           sum(greatest(r.quantity - coalesce(e.units, 0), 0)) AS demand,
           sum(least(r.quantity, coalesce(e.units, 0))) AS reserved,
           count(*) AS requests
    FROM requests r LEFT JOIN engaged e ON e.request_id = r.id
    WHERE r.status = 'open' AND r.needed_by >= $2::date
      AND r.needed_by BETWEEN $1::date AND $1::date + $3::int * 7 - 1
    GROUP BY 1
)
SELECT nullif(coalesce(s.region, d.region), '') AS region, coalesce(s.supply, 0) AS supply,
       coalesce(d.demand, 0) AS demand, coalesce(d.reserved, 0) AS reserved,
       coalesce(s.offers, 0) AS offers, coalesce(d.requests, 0) AS requests
FROM supply s FULL OUTER JOIN demand d ON s.region = d.region
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--offers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--sql-calls", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="capmatch_bench_analytics")
    parser.add_argument("--port", type=int, default=8793)
    parser.add_argument("--keep-db", action="store_true", help="leave the database behind")
    return parser.parse_args(argv)


async def place_regions(dsn: str, market: seed.Market) -> float:
    """Organisations get the region their coordinates fall in, offers their owner's."""
    started = time.perf_counter()
    regions = [
        region_at(lat, lon)
        for lat, lon in zip(market.org_lat.tolist(), market.org_lon.tolist(), strict=True)
    ]
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("CREATE TEMP TABLE placed (id text, region text)")
        await connection.copy_records_to_table(
            "placed", records=list(zip(market.org_ids, regions, strict=True))
        )
        await connection.execute(
            "UPDATE organizations o SET region = p.region FROM placed p WHERE o.id = p.id"
        )
        await connection.execute("ALTER TABLE offers DISABLE TRIGGER USER")
        await connection.execute(
            "UPDATE offers f SET region = o.region FROM organizations o "
            "WHERE f.organization_id = o.id"
        )
        await connection.execute("ALTER TABLE offers ENABLE TRIGGER USER")
        await connection.execute("TRUNCATE market_changes")  # a seed is not a change
        await connection.execute("VACUUM ANALYZE offers")
    finally:
        await connection.close()
    return time.perf_counter() - started


def seeded_requests(market: seed.Market, args: argparse.Namespace) -> list[tuple[Any, ...]]:
    needs = seed.generate_needs(args.requests, args.seed + 1, seed.load_places(), market.today)
    records = request_records(needs, market, PARTNER_ID, np.random.default_rng(args.seed))
    rows = request_rows(records)
    at = REQUEST_COLUMNS.index("region")
    lat, lon = REQUEST_COLUMNS.index("lat"), REQUEST_COLUMNS.index("lon")
    return [(*row[:at], region_at(row[lat], row[lon]), *row[at + 1 :]) for row in rows]


async def measure_sql(dsn: str, monday: date, today: date, calls: int) -> dict[str, Any]:
    connection = await asyncpg.connect(dsn)
    try:
        seconds, rows = [], []
        for _ in range(calls):
            started = time.perf_counter()
            rows = await connection.fetch(BASELINE_SQL, monday, today, WEEKS)
            seconds.append(time.perf_counter() - started)
    finally:
        await connection.close()
    figures = {
        row["region"]: (int(row["supply"]), int(row["demand"]), int(row["reserved"]))
        for row in rows
    }
    return {"latency": latency_summary(seconds), "figures": figures}


def measure_http(port: int, query: str, calls: int) -> dict[str, Any]:
    connection = http.client.HTTPConnection(HOST, port, timeout=600)
    try:
        started = time.perf_counter()
        status, first = http_call(connection, "GET", query, ADMIN_KEY, None)
        first_s = time.perf_counter() - started
        if status != 200:
            raise BenchError(f"GET {query}: {status} {str(first)[:300]}")
        seconds = []
        for _ in range(calls):
            started = time.perf_counter()
            status, body = http_call(connection, "GET", query, ADMIN_KEY, None)
            seconds.append(time.perf_counter() - started)
            if status != 200:
                raise BenchError(f"GET {query}: {status} {str(body)[:300]}")
    finally:
        connection.close()
    return {"first_call_s": round(first_s, 3), "latency": latency_summary(seconds), "body": body}


def run(args: argparse.Namespace) -> dict[str, Any]:
    dsn, url = database_urls(args.server, args.database)
    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday())
    result: dict[str, Any] = {}
    drop = f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'
    asyncio.run(admin(args.server, drop))
    asyncio.run(admin(args.server, f'CREATE DATABASE "{args.database}"'))
    try:
        upgrade(Settings(database_url=url))
        print(f"[analytics] seeding {args.offers:,} offers ...", flush=True)
        market = seed.generate_market(args.offers, args.seed, seed.load_places(), today)
        result["seed"] = asyncio.run(seed_database(dsn, market))
        result["seed"]["regions_s"] = round(asyncio.run(place_regions(dsn, market)), 2)
        print(f"[analytics] seeding {args.requests:,} requests ...", flush=True)
        result["seed"]["requests_s"] = round(
            asyncio.run(seed_requests(dsn, seeded_requests(market, args))), 2
        )
        print("[analytics] baseline: SQL GROUP BY ...", flush=True)
        sql = asyncio.run(measure_sql(dsn, monday, today, args.sql_calls))
        server = Capmatch(args.port, url, ADMIN_KEY, RESULTS_DIR / "analytics-server.log")
        server.start()
        try:
            base = f"/v1/analytics/supply-demand?from={monday.isoformat()}&weeks={WEEKS}"
            print("[analytics] GET supply-demand?group_by=region ...", flush=True)
            by_region = measure_http(args.port, base + "&group_by=region", args.calls)
            print("[analytics] GET supply-demand?group_by=region,skill,week ...", flush=True)
            finer = measure_http(args.port, base + "&group_by=region,skill,week", args.calls)
        finally:
            server.stop()
    finally:
        if not args.keep_db:
            asyncio.run(
                admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
            )
    api = {
        row.get("region"): (row["supply"], row["demand"], row["reserved"])
        for row in by_region.pop("body")["data"]
    }
    finer_rows = len(finer.pop("body")["data"])
    result |= {
        "sql": {"latency": sql["latency"], "regions": len(sql["figures"])},
        "by_region": by_region,
        "by_region_skill_week": finer | {"rows": finer_rows},
        "agreement": {
            "regions_equal": api == sql["figures"],
            "regions": len(api),
            "differing": sorted(
                str(region)
                for region in set(api) | set(sql["figures"])
                if api.get(region) != sql["figures"].get(region)
            )[:10],
        },
    }
    return result


def report(result: dict[str, Any]) -> list[tuple[str, bool, str]]:
    sql_p95 = result["sql"]["latency"]["p95_ms"]
    api = result["by_region"]["latency"]
    finer = result["by_region_skill_week"]
    print("\n=== situation picture ===")
    print(
        f"SQL GROUP BY (baseline)          p50 {result['sql']['latency']['p50_ms']:>8} ms  "
        f"p95 {sql_p95:>8} ms"
    )
    print(
        f"GET ...group_by=region            p50 {api['p50_ms']:>8} ms  p95 {api['p95_ms']:>8} ms"
        f"  (first call {result['by_region']['first_call_s']} s)"
    )
    print(
        f"GET ...group_by=region,skill,week p50 {finer['latency']['p50_ms']:>8} ms  "
        f"p95 {finer['latency']['p95_ms']:>8} ms  ({finer['rows']} rows)"
    )
    speedup = sql_p95 / api["p95_ms"] if api["p95_ms"] else float("inf")
    agreement = result["agreement"]
    return [
        (f"p95 <= {GOAL_P95_MS:.0f} ms", api["p95_ms"] <= GOAL_P95_MS, f"{api['p95_ms']} ms"),
        (f">= {GOAL_SPEEDUP:.0f}x the SQL (p95)", speedup >= GOAL_SPEEDUP, f"{speedup:.1f}x"),
        (
            "figures equal the SQL's per region",
            agreement["regions_equal"],
            f"{agreement['regions']} regions, differing: {agreement['differing']}",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    try:
        seed.check_vocabulary(load_taxonomy())
        pg_version = asyncio.run(server_version(database_urls(args.server, "postgres")[0]))
        result = run(args)
    except (BenchError, OSError, asyncpg.PostgresError) as error:
        print(f"benchmark could not run: {error!r}", file=sys.stderr)
        return 2
    checks = report(result)
    print("\nGoals (2-core machine):")
    for goal, met, value in checks:
        print(f"  {goal:<40} {value:>14}  {'met' if met else 'MISSED'}")
    record = {
        "date": stamp,
        "code": code_version(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "settings": vars(args),
        "machine": machine_info(pg_version),
        "result": result,
        "goals": [{"goal": goal, "met": met, "value": value} for goal, met, value in checks],
    }
    output = RESULTS_DIR / f"analytics-{stamp}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(record, indent=2, default=str) + "\n")
    print(f"\ncode {record['code']}; wrote {output.relative_to(REPO_DIR)}")
    return 0 if all(met for _, met, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
