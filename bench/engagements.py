"""Engagement holds under contention: holds per second and p95, 32 concurrent clients.

It recreates a throwaway PostgreSQL database (``--database``), applies capmatch's
migrations, starts capmatch under uvicorn (one worker by default) and sets up a
market over the API: a manufacturer with ``--offers`` offers (explicit totals, MOQ 1)
and ``--clients`` buyer organisations with one open request each. Then every client,
on its own keep-alive connection, makes ``--holds`` holds of ``--quantity`` units
(``POST /v1/requests/{id}/engagements``) in three scenarios:

1. ``hot``: all clients hold the same offer (every hold updates one row);
2. ``spread``: each hold picks one of the offers at random;
3. ``sold-out``: the same offer, but it has units for only half of the attempts,
   so the other half must answer 409 (and the counters must end exactly full).

Per scenario it prints holds/s (201s over wall time), p50/p95/p99 of all calls,
status counts and the server's CPU time per call, then checks the database:
for every offer, held = Σ pending engagements, reserved = Σ accepted, and
reserved + held <= total; the 201s equal the engagement rows. Any 5xx, any other
status, or a failed check is an error (exit status 1). Results go to
``bench/results/engagements-<timestamp>.json``.

    /tmp/venv/bin/python bench/engagements.py                 # from the repository root
    /tmp/venv/bin/python bench/engagements.py --workers 2 --holds 100

Exit status: 0 every check held, 1 a check failed, 2 the benchmark could not run.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import random
import secrets
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
sys.path.insert(0, str(REPO_DIR))
sys.path.insert(0, str(BENCH_DIR))

from harness import (  # noqa: E402
    HOST,
    HTTP_TIMEOUT_S,
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
    session_cpu_seconds,
)

from app.core.config import Settings  # noqa: E402
from app.migrate import upgrade  # noqa: E402

WARMUP_HOLDS = 3  # per client, on offers the scenarios do not touch, before any figure
SCENARIOS = ("hot", "spread", "sold-out")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients")
    parser.add_argument("--holds", type=int, default=200, help="holds per client and scenario")
    parser.add_argument("--quantity", type=int, default=7, help="units per hold")
    parser.add_argument("--offers", type=int, default=1000, help="offers of the spread scenario")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers")
    parser.add_argument("--seed", type=int, default=20261121, help="seed of the offer choice")
    parser.add_argument(
        "--server", default="postgresql://postgres@127.0.0.1:5432", help="PostgreSQL server URL"
    )
    parser.add_argument(
        "--database",
        default="capmatch_bench_engagements",
        help="dropped and recreated (must contain 'bench')",
    )
    parser.add_argument("--port", type=int, default=8732, help="capmatch's port on 127.0.0.1")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    parser.add_argument(
        "--app-dir",
        type=Path,
        default=REPO_DIR,
        help="serve the app package found here (another commit's code, for a baseline)",
    )
    args = parser.parse_args(argv)
    if min(args.holds, args.quantity, args.offers, args.workers) < 1:
        parser.error("--holds, --quantity, --offers and --workers must be >= 1")
    if args.clients < 4:  # below that, sold-out's buyers would meet the fair-share cap first
        parser.error("--clients must be >= 4")
    if "bench" not in args.database or not args.database.islower():
        parser.error("--database must be lower case and contain 'bench'")
    return args


# --- the market ----------------------------------------------------------------------


def days_from_today(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def organization_body(name: str, lat: float, lon: float) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "both",
        "location": {"lat": lat, "lon": lon},
        "address": {"postal_code": "72764", "city": "Reutlingen", "country": "DE"},
        "certifications": [{"code": "en-14683", "valid_until": days_from_today(400)}],
        "contact": {"name": "Bench Contact", "email": "bench@example.org", "phone": "+49 7121 0"},
    }


def offer_body(organization_id: str, total: int) -> dict[str, Any]:
    return {
        "organization_id": organization_id,
        "title": "Free sewing line",
        "skills": ["textile.sewing"],
        "products": ["mask.surgical"],
        "certifications": ["en-14683"],
        "capacity": {"unit": "pieces", "per_week": 100_000, "total": total},
        "min_order_quantity": 1,
        "lead_time_days": 3,
        "available_from": days_from_today(1),
        "available_until": days_from_today(200),
        "visibility": "shared",
        "status": "active",
    }


def request_body(organization_id: str, quantity: int) -> dict[str, Any]:
    return {
        "organization_id": organization_id,
        "title": "Surgical masks for clinics",
        "skills": ["textile.sewing"],
        "products": ["mask.surgical"],
        "quantity": quantity,
        "unit": "pieces",
        "needed_by": days_from_today(90),
        "location": {"lat": 48.7758, "lon": 9.1829},
        "visibility": "shared",
    }


@dataclass(frozen=True)
class Market:
    buyer_key: str
    requests: list[str]  # one per client
    warmup: list[str]  # offers for the warm-up holds
    hot: str
    spread: list[str]
    sold_out: str
    sold_out_units: int


def set_up(server: Capmatch, admin_key: str, args: argparse.Namespace) -> Market:
    """Partners, organisations, offers and requests over the API, as a portal would."""
    suffix = secrets.token_hex(3)
    maker = server.created(
        "/v1/partners", admin_key, {"name": "Bench Maker", "slug": f"bench-maker-{suffix}"}
    )
    buyer = server.created(
        "/v1/partners", admin_key, {"name": "Bench Buyer", "slug": f"bench-buyer-{suffix}"}
    )
    factory = server.created(
        "/v1/organizations", maker["api_key"], organization_body("Bench Weberei", 48.49, 9.21)
    )
    attempts = args.clients * args.holds * args.quantity
    # Totals large enough that nothing runs out and no buyer meets its fair share
    # (half of the total by default), except where running out is the point.
    roomy = 4 * attempts

    def offer(total: int) -> str:
        return str(
            server.created("/v1/offers", maker["api_key"], offer_body(factory["id"], total))["id"]
        )

    warmup = [offer(roomy) for _ in range(args.clients)]
    hot = offer(roomy)
    spread = [offer(roomy) for _ in range(args.offers)]
    # Half of the attempts fit; every buyer's attempts stay below its fair share
    # as long as there are at least 4 clients, so 409 comes from capacity alone.
    sold_out_units = (args.clients * args.holds // 2) * args.quantity
    sold_out = offer(sold_out_units)
    requests = []
    for i in range(args.clients):
        organization = server.created(
            "/v1/organizations",
            buyer["api_key"],
            organization_body(f"Bench Klinik {i + 1}", 48.0 + i / 100, 9.0),
        )
        # Wants everything its holds could take in all scenarios together.
        request = server.created(
            "/v1/requests",
            buyer["api_key"],
            request_body(organization["id"], 10 * args.holds * args.quantity),
        )
        requests.append(str(request["id"]))
    return Market(
        buyer_key=str(buyer["api_key"]),
        requests=requests,
        warmup=warmup,
        hot=hot,
        spread=spread,
        sold_out=sold_out,
        sold_out_units=sold_out_units,
    )


# --- load ----------------------------------------------------------------------------


@dataclass
class Run:
    latencies: list[float]
    statuses: Counter[int]
    wall_s: float
    failures: list[str]


def run_clients(
    port: int, token: str, requests: list[str], plans: list[list[str]], quantity: int
) -> Run:
    """Client i holds ``quantity`` units of each offer in ``plans[i]``, for ``requests[i]``."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(plans) + 1)

    def client(request_id: str, offers: list[str]) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=HTTP_TIMEOUT_S)
        path = f"/v1/requests/{request_id}/engagements"
        mine: list[float] = []
        seen: Counter[int] = Counter()
        odd: list[str] = []
        try:
            start.wait()
            for offer_id in offers:
                body = json.dumps({"offer_id": offer_id, "quantity": quantity}).encode()
                began = time.perf_counter()
                status, payload = http_call(connection, "POST", path, token, body)
                mine.append(time.perf_counter() - began)
                seen[status] += 1
                if status not in (201, 409) and len(odd) < 3:
                    odd.append(f"HTTP {status}: {str(payload)[:300]}")
        except (OSError, http.client.HTTPException) as error:
            odd.append(f"connection failed: {error!r}")
        finally:
            connection.close()
            with lock:
                latencies.extend(mine)
                statuses.update(seen)
                failures.extend(odd)

    threads = [
        threading.Thread(target=client, args=(request_id, offers))
        for request_id, offers in zip(requests, plans, strict=True)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return Run(latencies, statuses, time.perf_counter() - began, failures)


def plans_of(scenario: str, market: Market, args: argparse.Namespace) -> list[list[str]]:
    if scenario == "hot":
        return [[market.hot] * args.holds for _ in range(args.clients)]
    if scenario == "sold-out":
        return [[market.sold_out] * args.holds for _ in range(args.clients)]
    rng = random.Random(args.seed)
    return [[rng.choice(market.spread) for _ in range(args.holds)] for _ in range(args.clients)]


# --- checks --------------------------------------------------------------------------

COUNTERS = """
SELECT o.id, o.total_quantity, o.reserved_quantity, o.held_quantity,
       coalesce(sum(e.quantity) FILTER (WHERE e.status = 'pending'), 0) AS pending,
       coalesce(sum(e.quantity) FILTER (WHERE e.status IN ('accepted', 'fulfilled')), 0)
           AS accepted,
       count(e.id) AS engagements
FROM offers o LEFT JOIN engagements e ON e.offer_id = o.id
WHERE o.id = ANY($1::text[])
GROUP BY o.id
"""


async def counters(dsn: str, offer_ids: list[str]) -> dict[str, dict[str, int]]:
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        rows = await connection.fetch(COUNTERS, offer_ids)
    finally:
        await connection.close()
    return {row["id"]: {key: int(row[key]) for key in list(row.keys())[1:]} for row in rows}


def check(
    scenario: str,
    run: Run,
    before: dict[str, dict[str, int]],
    after: dict[str, dict[str, int]],
    market: Market,
    args: argparse.Namespace,
) -> list[str]:
    """What went wrong, if anything: every call answered, counters exact."""
    problems = list(run.failures)
    odd = {status: n for status, n in run.statuses.items() if status not in (201, 409)}
    if odd:
        problems.append(f"unexpected statuses {odd}")
    attempts = args.clients * args.holds
    if sum(run.statuses.values()) != attempts:
        problems.append(f"{sum(run.statuses.values())} answers to {attempts} attempts")
    for offer_id, row in after.items():
        if row["held_quantity"] != row["pending"]:
            problems.append(f"{offer_id}: held {row['held_quantity']} != pending {row['pending']}")
        if row["reserved_quantity"] != row["accepted"]:
            problems.append(
                f"{offer_id}: reserved {row['reserved_quantity']} != accepted {row['accepted']}"
            )
        if row["reserved_quantity"] + row["held_quantity"] > row["total_quantity"]:
            problems.append(f"{offer_id}: booked beyond its total {row}")
    new_rows = sum(after[o]["engagements"] - before[o]["engagements"] for o in after)
    if new_rows != run.statuses[201]:
        problems.append(f"{run.statuses[201]} holds answered 201 but {new_rows} rows were written")
    if scenario == "sold-out":
        full = market.sold_out_units // args.quantity
        if run.statuses[201] != full:
            problems.append(f"sold-out: {run.statuses[201]} holds fit, expected exactly {full}")
    elif run.statuses[409]:
        problems.append(f"{scenario}: {run.statuses[409]} holds refused with room to spare")
    return problems


# --- main ----------------------------------------------------------------------------


def measure(args: argparse.Namespace, dsn: str, sqlalchemy_url: str) -> dict[str, Any]:
    admin_key = secrets.token_urlsafe(32)
    server = Capmatch(
        args.port,
        sqlalchemy_url,
        admin_key,
        RESULTS_DIR / "engagements-server.log",
        workers=args.workers,
        # Room for every client's connection plus the sweep in each worker.
        env={"CAPMATCH_DB_POOL_SIZE": str(max(20, args.clients // args.workers + 2))},
        app_dir=args.app_dir,
    )
    server.start()
    results: dict[str, Any] = {}
    try:
        started = time.perf_counter()
        market = set_up(server, admin_key, args)
        results["setup_s"] = round(time.perf_counter() - started, 1)
        print(f"market ready in {results['setup_s']} s; warming up ...", flush=True)
        warm = run_clients(
            args.port,
            market.buyer_key,
            market.requests,
            [[offer] * WARMUP_HOLDS for offer in market.warmup],
            args.quantity,
        )
        if set(warm.statuses) != {201}:
            raise BenchError(f"warm-up holds failed: {dict(warm.statuses)} {warm.failures[:3]}")
        for scenario in SCENARIOS:
            plans = plans_of(scenario, market, args)
            touched = sorted({offer for plan in plans for offer in plan})
            before = asyncio.run(counters(dsn, touched))
            cpu_before = session_cpu_seconds(server.pid)
            run = run_clients(args.port, market.buyer_key, market.requests, plans, args.quantity)
            cpu = session_cpu_seconds(server.pid) - cpu_before
            after = asyncio.run(counters(dsn, touched))
            calls = sum(run.statuses.values())
            results[scenario] = {
                "offers": len(touched),
                "holds_per_s": round(run.statuses[201] / run.wall_s, 1),
                "calls_per_s": round(calls / run.wall_s, 1),
                **latency_summary(run.latencies),
                "statuses": {str(k): v for k, v in sorted(run.statuses.items())},
                "server_cpu_ms_per_call": round(1000 * cpu / max(1, calls), 3),
                "wall_s": round(run.wall_s, 2),
                "problems": check(scenario, run, before, after, market, args),
            }
            print(f"{scenario}: {results[scenario]}", flush=True)
    finally:
        server.stop()
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    dsn, sqlalchemy_url = database_urls(args.server, args.database)
    try:
        pg_version = asyncio.run(server_version(database_urls(args.server, "postgres")[0]))
        asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
        asyncio.run(admin(args.server, f'CREATE DATABASE "{args.database}"'))
        try:
            upgrade(Settings(database_url=sqlalchemy_url))
            results = measure(args, dsn, sqlalchemy_url)
        finally:
            if not args.keep_db:
                asyncio.run(
                    admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
                )
    except (BenchError, OSError, asyncpg.PostgresError) as error:
        print(f"benchmark could not run: {error!r}", file=sys.stderr)
        return 2
    print(
        f"\n{args.clients} clients x {args.holds} holds of {args.quantity} units, "
        f"{args.workers} worker(s), PostgreSQL {pg_version}"
    )
    print(
        f"{'scenario':<10} {'offers':>6} {'holds/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'201':>6} {'409':>6} {'cpu ms':>7}  checks"
    )
    for scenario in SCENARIOS:
        r = results[scenario]
        print(
            f"{scenario:<10} {r['offers']:>6} {r['holds_per_s']:>8} {r['p50_ms']:>8} "
            f"{r['p95_ms']:>8} {r['p99_ms']:>8} {r['statuses'].get('201', 0):>6} "
            f"{r['statuses'].get('409', 0):>6} {r['server_cpu_ms_per_call']:>7}  "
            f"{'ok' if not r['problems'] else '; '.join(r['problems'][:3])}"
        )
    report = {
        "date": stamp,
        "code": code_version() if args.app_dir == REPO_DIR else f"app from {args.app_dir}",
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "settings": {
            key: getattr(args, key)
            for key in ("clients", "holds", "quantity", "offers", "workers", "seed")
        },
        "machine": machine_info(pg_version),
        "results": results,
    }
    output = RESULTS_DIR / f"engagements-{stamp}.json"
    output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\ncode {report['code']}; wrote {output.relative_to(REPO_DIR)}")
    return 1 if any(results[s]["problems"] for s in SCENARIOS) else 0


if __name__ == "__main__":
    raise SystemExit(main())
