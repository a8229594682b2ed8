"""Offer -> requests (``bench/match.py --mode demand``): open requests ranked for an offer.

``GET /v1/offers/{id}/matches`` used to score every open request of the offer's unit
with the reference scorer on each call (after reading them all from the database);
it now searches the worker's index of open requests. This measures both on the same
data in the same run:

1. a market of ``--demand-offers`` offers (``bench/match_seed.py``) and
   ``--open-requests`` open requests drawn like ``match.py``'s needs, each owned by
   one of the market's organisations (so the own-organisation rule has work to do),
   all shared, a tenth with their own weights; copied into a throwaway database;
2. in-process: the fast path (``RequestIndex.search``, limit 21 as the endpoint asks
   for a page of 20) for ``--calls`` offers, and the baseline, the old path's loop
   (every open request through ``reference_score_offers``, then sorted), for the
   first ``--baseline-calls`` of them; the fast top-20s are compared with the
   baseline's ranking with the own organisation's requests left out;
3. over HTTP (one client, keep-alive): ``GET /v1/offers/{id}/matches?limit=20`` on
   capmatch as it is, then on the code of ``--baseline-commit`` (the old path,
   extracted with ``git archive`` into a temporary directory) on the same database.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import http.client
import json
import secrets
import subprocess
import tempfile
import time
from datetime import UTC, date, datetime
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
    database_urls,
    http_call,
    latency_summary,
    read_status,
)

LIMIT = 20
WARMUP_CALLS = 20
GOAL_P95_MS = 10.0  # the goal at 100k open requests (in-process fast path)
BASELINE_TIMEOUT_S = 600.0
REQUEST_COLUMNS = (
    "id",
    "partner_id",
    "organization_id",
    "title",
    "description",
    "skills",
    "products",
    "required_certifications",
    "preferred_certifications",
    "search_codes",
    "quantity",
    "unit",
    "needed_by",
    "lat",
    "lon",
    "region",
    "max_distance_km",
    "visibility",
    "status",
    "closed_at",
    "created_at",
    "updated_at",
    "version",
    "weights",
)
WEIGHT_CHOICES = ({"distance": 1.0}, {"capacity": 0.5, "time": 0.0}, {"skill": 0.6})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("--mode demand (offer -> requests)")
    group.add_argument("--open-requests", type=int, default=100_000, help="open requests")
    group.add_argument("--demand-offers", type=int, default=10_000, help="offers of the market")
    group.add_argument("--calls", type=int, default=1000, help="offers ranked for (fast path)")
    group.add_argument(
        "--baseline-calls", type=int, default=20, help="of them also by the old path"
    )
    group.add_argument(
        "--baseline-commit",
        default="2803e6b",
        help="code of the HTTP baseline (the old path); 'none' skips it",
    )


# --- data ----------------------------------------------------------------------------


def request_records(
    needs: list[seed.Need], market: seed.Market, partner_id: str, rng: np.random.Generator
) -> list[Any]:
    from app.matching.demand import RequestRecord

    ids = seed.ulid_like_ids("req", len(needs), rng, market.today)
    owners = rng.integers(0, len(market.org_ids), len(needs)).tolist()
    weighted = (rng.random(len(needs)) < 0.1).tolist()
    choice = rng.integers(0, len(WEIGHT_CHOICES), len(needs)).tolist()
    return [
        RequestRecord(
            id=ids[i],
            lat=need.lat,
            lon=need.lon,
            skills=need.skills,
            products=need.products,
            quantity=need.quantity,
            needed_by=need.needed_by,
            required_certifications=need.required_certifications,
            preferred_certifications=need.preferred_certifications,
            max_distance_km=need.max_distance_km,
            weights=WEIGHT_CHOICES[choice[i]] if weighted[i] else None,
            organization_id=market.org_ids[owners[i]],
            partner_id=partner_id,
        )
        for i, need in enumerate(needs)
    ]


def request_rows(records: list[Any]) -> list[tuple[Any, ...]]:
    """The requests as COPY records in ``REQUEST_COLUMNS`` order (valid under app/models)."""
    from app.taxonomy.codes import search_terms

    now = datetime.now(UTC)
    rows = []
    for r in records:
        certifications = [*r.required_certifications, *r.preferred_certifications]
        values = {
            "id": r.id,
            "partner_id": r.partner_id,
            "organization_id": r.organization_id,
            "title": f"Bench demand {r.id[-6:]}",
            "description": None,
            "skills": list(r.skills),
            "products": list(r.products),
            "required_certifications": list(r.required_certifications),
            "preferred_certifications": list(r.preferred_certifications),
            "search_codes": search_terms(
                [("skill", r.skills), ("product", r.products), ("certification", certifications)]
            ),
            "quantity": r.quantity,
            "unit": r.unit,
            "needed_by": r.needed_by,
            "lat": r.lat,
            "lon": r.lon,
            "region": None,
            "max_distance_km": r.max_distance_km,
            "visibility": "shared",
            "status": "open",
            "closed_at": None,
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "weights": json.dumps(r.weights) if r.weights else None,
        }
        rows.append(tuple(values[c] for c in REQUEST_COLUMNS))
    return rows


async def seed_requests(dsn: str, rows: list[tuple[Any, ...]]) -> float:
    """COPY the requests (triggers off, secondary indexes rebuilt after); seconds taken."""
    started = time.perf_counter()
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        await connection.execute("ALTER TABLE requests DISABLE TRIGGER USER")
        indexes = await connection.fetch(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.tablename = 'requests' AND i.schemaname = current_schema() "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        )
        for index in indexes:
            await connection.execute(f'DROP INDEX "{index["indexname"]}"')
        await connection.copy_records_to_table("requests", records=rows, columns=REQUEST_COLUMNS)
        for index in indexes:
            await connection.execute(index["indexdef"])
        await connection.execute("ALTER TABLE requests ENABLE TRIGGER USER")
        await connection.execute("TRUNCATE market_changes")  # a bulk seed is not a change
        await connection.execute("VACUUM ANALYZE requests")
    finally:
        await connection.close()
    return time.perf_counter() - started


# --- in-process ----------------------------------------------------------------------


def old_path(offer: Any, requests: list[Any], taxonomy: Any, today: date) -> list[tuple[Any, str]]:
    """What ``offer_matches`` did per call before the index (``service._score_requests``
    at the baseline commit): every open request through the reference scorer, sorted.
    Returns every (match, organisation) pair, best first."""
    from app.matching.reference import reference_score_offers

    scored = []
    for request in requests:
        found = reference_score_offers(request.want(today), [offer], taxonomy, limit=1)
        if found:
            scored.append((found[0], request.id, request.organization_id))
    scored.sort(key=lambda item: (-item[0].score, item[1]))
    return [(match, organization) for match, _, organization in scored]


def measure_in_process(
    offers: list[Any], requests: list[Any], taxonomy: Any, today: date, baseline_calls: int
) -> tuple[dict[str, Any], list[list[str]]]:
    from app.matching.demand_index import RequestIndex
    from app.matching.demand_reference import reference_score_requests
    from app.matching.values import Viewer

    started = time.perf_counter()
    index = RequestIndex(requests)
    build_s = time.perf_counter() - started
    arrays_mb = index.nbytes / 2**20
    viewer = Viewer(partner_id="prt_benchclient")  # another partner: sees what is shared

    def fast(offer: Any) -> list[Any]:
        return index.search(
            offer,
            taxonomy,
            today=today,
            limit=LIMIT + 1,
            viewer=viewer,
            exclude_organization=offer.organization_id,
        )

    for offer in offers[:WARMUP_CALLS]:
        fast(offer)
    seconds, tops = [], []
    gc.disable()
    try:
        for offer in offers:
            begun = time.perf_counter()
            found = fast(offer)
            seconds.append(time.perf_counter() - begun)
            tops.append([m.request_id for m in found[:LIMIT]])
    finally:
        gc.enable()
    baseline_seconds, agree = [], 0
    for offer, top in zip(offers[:baseline_calls], tops, strict=False):
        begun = time.perf_counter()
        ranked = old_path(offer, requests, taxonomy, today)[: LIMIT + 1]
        baseline_seconds.append(time.perf_counter() - begun)
        # The same ranking with the own organisation's requests left out (the new rule):
        expected = reference_score_requests(
            offer,
            [r for r in requests if r.organization_id != offer.organization_id],
            taxonomy,
            today=today,
            limit=LIMIT,
        )
        agree += [m.request_id for m in expected] == top
        del ranked
    result = {
        "build_index_s": round(build_s, 2),
        "index_arrays_mb": round(arrays_mb, 1),
        "fast": latency_summary(seconds),
        "baseline": latency_summary(baseline_seconds),
        "calls_with_20": sum(len(t) == LIMIT for t in tops),
        "calls_with_none": sum(not t for t in tops),
        "agreement_with_reference": f"{agree}/{len(baseline_seconds)}",
    }
    return result, tops


# --- HTTP ----------------------------------------------------------------------------


def _calls(port: int, token: str, offer_ids: list[str]) -> tuple[list[float], list[Any], int]:
    connection = http.client.HTTPConnection(HOST, port, timeout=BASELINE_TIMEOUT_S)
    seconds, payloads, errors = [], [], 0
    try:
        for offer_id in offer_ids:
            begun = time.perf_counter()
            status, payload = http_call(
                connection, "GET", f"/v1/offers/{offer_id}/matches?limit={LIMIT}", token, None
            )
            seconds.append(time.perf_counter() - begun)
            payloads.append(payload)
            errors += status != 200
    finally:
        connection.close()
    return seconds, payloads, errors


def measure_http(
    port: int, url: str, offer_ids: list[str], log: Path, app_dir: Path = REPO_DIR
) -> tuple[dict[str, Any], list[list[str]]]:
    admin_key = secrets.token_urlsafe(32)
    server = Capmatch(port, url, admin_key, log, app_dir=app_dir)
    server.start()
    try:
        partner = server.created(
            "/v1/partners",
            admin_key,
            {"name": "Bench Client", "slug": f"bench-client-{secrets.token_hex(3)}"},
        )
        token = partner["api_key"]
        for _ in range(20):
            server.call("GET", "/healthz")
        rss_before = read_status(server.pid)
        begun = time.perf_counter()
        _, _, first_errors = _calls(port, token, offer_ids[:1])
        first_s = time.perf_counter() - begun
        if first_errors:
            raise BenchError(f"GET /v1/offers/{offer_ids[0]}/matches failed; see {log}")
        _calls(port, token, offer_ids[: min(WARMUP_CALLS, len(offer_ids))])
        rss_after = read_status(server.pid)
        seconds, payloads, errors = _calls(port, token, offer_ids)
    finally:
        server.stop()
    tops = [
        [item["request"]["id"] for item in p.get("data", [])] if isinstance(p, dict) else []
        for p in payloads
    ]
    return {
        "first_call_s": round(first_s, 2),
        "rss_increase_mb": round((rss_after["VmRSS"] - rss_before["VmRSS"]) / 1024, 1),
        **latency_summary(seconds),
        "errors": errors,
    }, tops


def baseline_code(commit: str, into: Path) -> Path:
    """The app package of ``commit``, extracted (read-only git) into ``into``."""
    archive = subprocess.run(
        ["git", "archive", commit, "app"], cwd=REPO_DIR, capture_output=True, timeout=60
    )
    if archive.returncode != 0:
        raise BenchError(f"git archive {commit}: {archive.stderr.decode()[:300]}")
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True, timeout=60)
    return into


# --- run -----------------------------------------------------------------------------


def run(
    args: argparse.Namespace, taxonomy: Any, places: seed.Places, today: date
) -> dict[str, Any]:
    from match import PARTNER_ID, offer_records, seed_database

    from app.core.config import Settings
    from app.migrate import upgrade

    size = args.open_requests
    database = f"{args.database_prefix}_demand_{size}"
    dsn, url = database_urls(args.server, database)
    market = seed.generate_market(args.demand_offers, args.seed, places, today)
    needs = seed.generate_needs(size, args.seed + 1, places, today)
    rng = np.random.default_rng([args.seed, 2])
    requests = request_records(needs, market, PARTNER_ID, rng)
    offers = offer_records(market)
    picked = [offers[i] for i in rng.choice(len(offers), min(args.calls, len(offers)), False)]
    result: dict[str, Any] = {
        "database": database,
        "open_requests": size,
        "offers": len(offers),
        "calls": len(picked),
    }
    print(
        f"\n[demand] {len(offers):,} offers, {size:,} open requests; seeding {database} ...",
        flush=True,
    )
    asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    asyncio.run(admin(args.server, f'CREATE DATABASE "{database}"'))
    try:
        upgrade(Settings(database_url=url))
        result["seed"] = asyncio.run(seed_database(dsn, market))
        result["seed"]["requests_s"] = round(
            asyncio.run(seed_requests(dsn, request_rows(requests))), 2
        )
        print(f"[demand] seeded {result['seed']}; in-process ...", flush=True)
        result["in_process"], tops = measure_in_process(
            picked, requests, taxonomy, today, args.baseline_calls
        )
        print(f"[demand] in-process: {result['in_process']}", flush=True)
        del market, needs, requests, offers
        gc.collect()
        offer_ids = [offer.id for offer in picked]
        if not args.skip_http:
            print("[demand] HTTP, fast path ...", flush=True)
            result["http"], http_tops = measure_http(
                args.port, url, offer_ids, RESULTS_DIR / "match-demand.log"
            )
            result["http"]["same_top_20_as_in_process"] = sum(
                a == b for a, b in zip(http_tops, tops, strict=True)
            )
            print(f"[demand] HTTP: {result['http']}", flush=True)
            if args.baseline_commit != "none":
                print(f"[demand] HTTP, old path (code {args.baseline_commit}) ...", flush=True)
                with tempfile.TemporaryDirectory(prefix="capmatch-baseline-") as directory:
                    old, _ = measure_http(
                        args.port,
                        url,
                        offer_ids[: args.baseline_calls],
                        RESULTS_DIR / "match-demand-baseline.log",
                        app_dir=baseline_code(args.baseline_commit, Path(directory)),
                    )
                result["http_baseline"] = {**old, "code": args.baseline_commit}
                print(f"[demand] HTTP old path: {result['http_baseline']}", flush=True)
    finally:
        if not args.keep_db:
            asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    return result


def report(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Print the figures; the goal checks."""
    print(
        f"\n=== offer -> requests: {result['open_requests']:,} open requests, "
        f"{result['offers']:,} offers, {result['calls']} offers ranked for ==="
    )
    header = f"{'path':<44}{'n':>6}{'p50 ms':>11}{'p95 ms':>11}{'p99 ms':>11}"
    print(header)
    print("-" * len(header))

    def row(name: str, figures: dict[str, Any]) -> None:
        print(
            f"{name:<44}{figures['n']:>6}{figures['p50_ms']:>11.3f}{figures['p95_ms']:>11.3f}"
            f"{figures['p99_ms']:>11.3f}"
        )

    inproc = result["in_process"]
    row("in-process: index (RequestIndex.search)", inproc["fast"])
    row("in-process: old path (reference, every one)", inproc["baseline"])
    if "http" in result:
        row("HTTP GET /v1/offers/{id}/matches", result["http"])
    if "http_baseline" in result:
        row(f"HTTP, old code {result['http_baseline']['code']}", result["http_baseline"])
    fast, old = inproc["fast"], inproc["baseline"]
    print(
        f"in-process old/new: p50 {old['p50_ms'] / fast['p50_ms']:.0f}x, "
        f"p95 {old['p95_ms'] / fast['p95_ms']:.0f}x; index build {inproc['build_index_s']} s, "
        f"arrays {inproc['index_arrays_mb']} MB; "
        f"calls with 20 matches {inproc['calls_with_20']}, with none {inproc['calls_with_none']}; "
        f"top-20 == reference (own organisation left out) {inproc['agreement_with_reference']}"
    )
    if "http" in result:
        h = result["http"]
        print(
            f"HTTP: first call (loads both indexes) {h['first_call_s']} s, "
            f"RSS +{h['rss_increase_mb']} MB, errors {h['errors']}, "
            f"top-20 as in-process {h['same_top_20_as_in_process']}/{h['n']}"
        )
        if "http_baseline" in result:
            b = result["http_baseline"]
            p50, p95 = b["p50_ms"] / h["p50_ms"], b["p95_ms"] / h["p95_ms"]
            print(f"HTTP old/new: p50 {p50:.0f}x, p95 {p95:.0f}x")
    size = result["open_requests"]
    checks = [
        {
            "goal": f"in-process p95 <= {GOAL_P95_MS:g} ms at {size:,} open requests",
            "value": fast["p95_ms"],
            "met": fast["p95_ms"] <= GOAL_P95_MS,
        }
    ]
    if "http" in result:
        checks.append(
            {
                "goal": f"HTTP p95 <= {GOAL_P95_MS:g} ms at {size:,} open requests",
                "value": result["http"]["p95_ms"],
                "met": result["http"]["p95_ms"] <= GOAL_P95_MS,
            }
        )
    return checks
