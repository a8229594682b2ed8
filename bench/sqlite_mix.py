"""The embedded default under a mixed load: reads, matches and writes together on SQLite.

Issue 13 (rule 8, "the embedded default never stalls"). It migrates a fresh SQLite
file in a temporary directory, serves capmatch on it as ``capmatch serve`` does
(migrations first, then uvicorn with one worker; ``bench/harness.py``), and sets up a
market over the API: one maker with ``--offers`` offers, one buyer with one request
they match. Then two phases of ``--seconds`` each, every client a thread with its own
keep-alive connection calling in a loop:

1. baseline: ``--readers`` clients reading ``GET /v1/offers/{id}`` (random seeded
   offers), nothing else;
2. mix: the same readers, plus ``--matchers`` clients on
   ``GET /v1/requests/{id}/matches``, ``--creators`` on ``POST /v1/offers`` and
   ``--patchers`` on ``PATCH /v1/offers/{id}`` (each its own offer, new capacity).

It prints p50/p95/p99/max per kind of call and overall, with the baseline's reads
next to the mix's, and the status counts. A 5xx, an unexpected status or any single
answer slower than ``--stall-s`` (2 s; a stall lasts busy_timeout, 30 s) is a
problem. Results go to ``bench/results/sqlite_mix-<timestamp>.json``.

    .venv/bin/python bench/sqlite_mix.py                      # from the repository root
    .venv/bin/python bench/sqlite_mix.py --seconds 60 --readers 8

Exit status: 0 no problem, 1 a problem, 2 the benchmark could not run.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import random
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

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
    code_version,
    http_call,
    latency_summary,
    machine_info,
    session_cpu_seconds,
)

from app.core.config import Settings  # noqa: E402
from app.migrate import upgrade  # noqa: E402

EXPECTED = {"read": 200, "match": 200, "create": 201, "patch": 200}
KINDS = tuple(EXPECTED)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each phase")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of mix before both")
    parser.add_argument("--readers", type=int, default=4, help="GET /v1/offers/{id} clients")
    parser.add_argument("--matchers", type=int, default=2, help="GET .../matches clients")
    parser.add_argument("--creators", type=int, default=1, help="POST /v1/offers clients")
    parser.add_argument("--patchers", type=int, default=1, help="PATCH /v1/offers/{id} clients")
    parser.add_argument("--offers", type=int, default=500, help="offers set up before")
    parser.add_argument("--stall-s", type=float, default=2.0, help="slower answers are stalls")
    parser.add_argument("--seed", type=int, default=20261129, help="seed of the readers' picks")
    parser.add_argument("--port", type=int, default=8760, help="capmatch's port on 127.0.0.1")
    parser.add_argument("--keep-db", action="store_true", help="keep the SQLite file")
    args = parser.parse_args(argv)
    if min(args.readers, args.offers) < 1 or args.seconds <= 0:
        parser.error("--readers, --offers and --seconds must be positive")
    if min(args.matchers, args.creators, args.patchers) < 0 or args.patchers > args.offers:
        parser.error("--matchers, --creators, --patchers must be >= 0 (patchers <= offers)")
    return args


# --- the market ----------------------------------------------------------------------


def days_from_today(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def organization_body(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "both",
        "location": {"lat": 48.4931, "lon": 9.2125},
        "address": {"postal_code": "72764", "city": "Reutlingen", "country": "DE"},
        "certifications": [{"code": "en-14683", "valid_until": days_from_today(400)}],
        "contact": {"name": "Bench Contact", "email": "bench@example.org", "phone": "+49 7121 0"},
    }


def offer_body(organization_id: str, per_week: int = 5000) -> dict[str, Any]:
    return {
        "organization_id": organization_id,
        "title": "Free sewing line",
        "skills": ["textile.sewing"],
        "products": ["mask.surgical"],
        "certifications": ["en-14683"],
        "capacity": {"unit": "pieces", "per_week": per_week},
        "min_order_quantity": 100,
        "lead_time_days": 3,
        "available_from": days_from_today(1),
        "available_until": days_from_today(200),
        "service_radius_km": 300,
        "visibility": "shared",
        "status": "active",
    }


def request_body(organization_id: str) -> dict[str, Any]:
    return {
        "organization_id": organization_id,
        "title": "Surgical masks for clinics",
        "skills": ["textile.sewing"],
        "products": ["mask.surgical"],
        "quantity": 20_000,
        "unit": "pieces",
        "needed_by": days_from_today(90),
        "location": {"lat": 48.7758, "lon": 9.1829},
        "max_distance_km": 400,
        "visibility": "shared",
    }


@dataclass(frozen=True)
class Market:
    key: str
    maker_id: str
    offers: list[str]
    request_id: str


def set_up(server: Capmatch, admin_key: str, offers: int) -> Market:
    partner = server.created(
        "/v1/partners", admin_key, {"name": "Bench", "slug": f"bench-{secrets.token_hex(3)}"}
    )
    key = str(partner["api_key"])
    maker = server.created("/v1/organizations", key, organization_body("Bench Weberei"))
    buyer = server.created("/v1/organizations", key, organization_body("Bench Klinik"))
    offer_ids = [
        str(server.created("/v1/offers", key, offer_body(maker["id"]))["id"]) for _ in range(offers)
    ]
    wanted = server.created("/v1/requests", key, request_body(buyer["id"]))
    return Market(key=key, maker_id=maker["id"], offers=offer_ids, request_id=wanted["id"])


# --- load ----------------------------------------------------------------------------

# One call: (method, path, body) for the client's next request.
Plan = Callable[[], tuple[str, str, Any]]


@dataclass
class Calls:
    seconds: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: {k: Counter() for k in KINDS})
    problems: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    server_cpu_s: float = 0.0


def plans(market: Market, args: argparse.Namespace, *, mix: bool) -> list[tuple[str, Plan]]:
    """(kind, plan) per client thread."""
    seeds = random.Random(args.seed)
    capacity = itertools.count(1_000)

    def reader(rng: random.Random) -> Plan:
        return lambda: ("GET", f"/v1/offers/{rng.choice(market.offers)}", None)

    def matcher() -> tuple[str, str, Any]:
        return ("GET", f"/v1/requests/{market.request_id}/matches", None)

    def creator() -> tuple[str, str, Any]:
        return ("POST", "/v1/offers", offer_body(market.maker_id))

    def patcher(offer_id: str) -> Plan:
        # Each patcher has its offer (the last ones): no version conflicts, only waits.
        def plan() -> tuple[str, str, Any]:
            body = {"capacity": {"unit": "pieces", "per_week": next(capacity)}}
            return ("PATCH", f"/v1/offers/{offer_id}", body)

        return plan

    clients: list[tuple[str, Plan]] = [
        ("read", reader(random.Random(seeds.random()))) for _ in range(args.readers)
    ]
    if mix:
        clients += [("match", matcher)] * args.matchers
        clients += [("create", creator)] * args.creators
        clients += [("patch", patcher(market.offers[-1 - i])) for i in range(args.patchers)]
    return clients


def run_phase(
    server: Capmatch, token: str, clients: list[tuple[str, Plan]], seconds: float, stall_s: float
) -> Calls:
    calls = Calls()
    lock = threading.Lock()
    start = threading.Barrier(len(clients) + 1)
    deadline = 0.0

    def client(kind: str, plan: Plan) -> None:
        connection = http.client.HTTPConnection(HOST, server.port, timeout=HTTP_TIMEOUT_S)
        mine: list[float] = []
        seen: Counter[int] = Counter()
        odd: list[str] = []
        try:
            start.wait()
            while time.monotonic() < deadline:
                method, path, body = plan()
                began = time.perf_counter()
                status, payload = http_call(connection, method, path, token, body)
                took = time.perf_counter() - began
                mine.append(took)
                seen[status] += 1
                if (status != EXPECTED[kind] or took > stall_s) and len(odd) < 5:
                    odd.append(
                        f"{kind} {method} {path}: {status} in {took:.2f} s: {payload!s:.200}"
                    )
        except (OSError, http.client.HTTPException) as error:
            odd.append(f"{kind}: connection failed: {error!r}")
        finally:
            connection.close()
            with lock:
                calls.seconds[kind].extend(mine)
                calls.statuses[kind].update(seen)
                calls.problems.extend(odd)

    threads = [threading.Thread(target=client, args=client_args) for client_args in clients]
    for thread in threads:
        thread.start()
    cpu_before = session_cpu_seconds(server.pid)
    deadline = time.monotonic() + seconds
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    calls.wall_s = time.perf_counter() - began
    calls.server_cpu_s = session_cpu_seconds(server.pid) - cpu_before
    return calls


# --- report --------------------------------------------------------------------------


def summary(calls: Calls) -> dict[str, Any]:
    result: dict[str, Any] = {"wall_s": round(calls.wall_s, 2)}
    every: list[float] = []
    for kind in KINDS:
        if calls.seconds[kind]:
            result[kind] = {
                **latency_summary(calls.seconds[kind]),
                "per_s": round(len(calls.seconds[kind]) / calls.wall_s, 1),
                "statuses": dict(calls.statuses[kind]),
            }
            every += calls.seconds[kind]
    result["overall"] = {**latency_summary(every), "per_s": round(len(every) / calls.wall_s, 1)}
    result["server_cpu_ms_per_call"] = round(1000 * calls.server_cpu_s / max(1, len(every)), 2)
    result["problems"] = calls.problems
    return result


def print_table(baseline: dict[str, Any], mix: dict[str, Any]) -> None:
    header = f"{'phase':<10}{'call':<9}{'n':>7}{'per s':>8}"
    header += f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>10}  statuses"
    print(header)
    print("-" * (len(header) + 12))
    for phase, result in (("baseline", baseline), ("mix", mix)):
        for kind in (*KINDS, "overall"):
            row = result.get(kind)
            if row is None:
                continue
            statuses = ", ".join(f"{k}: {v}" for k, v in sorted(row.get("statuses", {}).items()))
            print(
                f"{phase:<10}{kind:<9}{row['n']:>7}{row['per_s']:>8.1f}{row['p50_ms']:>9.1f}"
                f"{row['p95_ms']:>9.1f}{row['p99_ms']:>9.1f}{row['max_ms']:>10.1f}  {statuses}"
            )
    print(
        f"server CPU per call: baseline {baseline['server_cpu_ms_per_call']} ms, "
        f"mix {mix['server_cpu_ms_per_call']} ms"
    )
    base, mixed = baseline["read"], mix["read"]
    print(
        f"reads in the mix vs alone: p50 {mixed['p50_ms'] / base['p50_ms']:.2f}x, "
        f"p99 {mixed['p99_ms'] / base['p99_ms']:.2f}x"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    workdir = Path(tempfile.mkdtemp(prefix="capmatch-sqlite-mix-"))
    database_url = f"sqlite+aiosqlite:///{workdir / 'capmatch.db'}"
    admin_key = secrets.token_urlsafe(32)
    log = RESULTS_DIR / "sqlite_mix-server.log"
    server = Capmatch(
        args.port, database_url, admin_key, log, env={"CAPMATCH_MATCH_PRELOAD": "true"}
    )
    started = time.monotonic()
    try:
        upgrade(Settings(database_url=database_url))  # what `capmatch serve` does first
        server.start()
        print(f"capmatch on {database_url}; setting up {args.offers} offers ...", flush=True)
        market = set_up(server, admin_key, args.offers)
        print(f"warm-up {args.warmup:g} s of mix ...", flush=True)
        run_phase(server, market.key, plans(market, args, mix=True), args.warmup, args.stall_s)
        print(f"baseline: {args.readers} readers for {args.seconds:g} s ...", flush=True)
        baseline = summary(
            run_phase(server, market.key, plans(market, args, mix=False), args.seconds, 1e9)
        )
        print(
            f"mix: {args.readers} readers, {args.matchers} matchers, {args.creators} "
            f"creators, {args.patchers} patchers for {args.seconds:g} s ...",
            flush=True,
        )
        mix = summary(
            run_phase(server, market.key, plans(market, args, mix=True), args.seconds, args.stall_s)
        )
    except (BenchError, OSError) as error:
        print(f"benchmark could not run: {error!r}", file=sys.stderr)
        return 2
    finally:
        server.stop()
        if not args.keep_db:
            for path in workdir.glob("capmatch.db*"):
                path.unlink()
            workdir.rmdir()
    print()
    print_table(baseline, mix)
    problems = baseline["problems"] + mix["problems"]
    for problem in problems[:20]:
        print(f"  problem: {problem}")
    report = {
        "date": stamp,
        "code": code_version(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "settings": {k: v for k, v in vars(args).items()},
        "machine": machine_info("n/a (SQLite)"),
        "baseline": baseline,
        "mix": mix,
    }
    output = RESULTS_DIR / f"sqlite_mix-{stamp}.json"
    output.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(
        f"\ncode {report['code']}; wrote {output.relative_to(REPO_DIR)} "
        f"({time.monotonic() - started:.0f} s); "
        f"{'no problem' if not problems else f'{len(problems)} problem(s)'}"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
