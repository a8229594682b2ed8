"""Matching engine: top-20 latency in-process, over HTTP and as one PostgreSQL query.

For each size (``--sizes``, default 10k, 100k and 1M active offers) it generates a
synthetic market with ``bench/match_seed.py`` (organisations over DE/AT/CH by
population, skewed skill/product/certification mixes, varied capacities and
windows), loads it into a throwaway database ``capmatch_bench_match_<size>`` with
``COPY``, and answers the same ``--requests`` random requests (default 1,000) three ways:

1. in-process: ``app.matching.scoring.score_offers`` over ``build_candidates`` of the
   same offers (the build is timed separately), p50/p95 per call;
2. SQL baseline: one parameterised query per request with the hard filters, the
   score as an SQL expression and ``ORDER BY score DESC, id LIMIT 20`` (GIN index on
   ``search_codes``), p50/p95 (at most ``--sql-requests`` requests, and stopped after
   ``--sql-budget`` seconds);
3. HTTP: capmatch under uvicorn (one worker, ``CAPMATCH_MATCH_PRELOAD=false``),
   ``POST /v1/matches/search?limit=20``: the worker's RSS before and after the index
   loads, p50/p95 with one client at a time, throughput and p95 with 8 concurrent
   clients.

It prints a table per size and the goal checks, and writes
``bench/results/match-<timestamp>.json``.

    /tmp/venv/bin/python bench/match.py                          # from the repository root
    /tmp/venv/bin/python bench/match.py --sizes 10000,100000 --skip-http
    /tmp/venv/bin/python bench/match.py --mode demand   # open requests for offers (100k)

Exit status: 0 goals met, 1 a goal missed, 2 the benchmark could not run (or a
requested part of it could not).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import http.client
import json
import math
import secrets
import statistics
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
sys.path.insert(0, str(REPO_DIR))
sys.path.insert(0, str(BENCH_DIR))

import match_demand  # noqa: E402
import match_seed as seed  # noqa: E402
from bare_app import COLUMNS as OFFER_COLUMNS  # noqa: E402
from harness import (  # noqa: E402
    HOST,
    HTTP_TIMEOUT_S,
    RESULTS_DIR,
    BenchError,
    Capmatch,
    admin,
    code_version,
    cpu_seconds,
    database_urls,
    http_call,
    latency_summary,
    machine_info,
    read_status,
    server_version,
)

from app.core.config import Settings  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.taxonomy.loading import load_taxonomy  # noqa: E402

LIMIT = 20
COPY_CHUNK = 100_000
FIRST_MATCH_TIMEOUT_S = 900.0
PARTNER_ID = "prt_benchmarket"
WARMUP_CALLS = 20

# Goals of the issue (2-core machine).
GOAL_INPROC_P95_MS = {10_000: 1.0, 1_000_000: 10.0}
GOAL_SQL_RATIO_AT = 1_000_000
GOAL_SQL_RATIO = 20.0
GOAL_HTTP_P95_MS_AT_1M = 25.0
GOAL_RSS_MB_AT_1M = 150.0


# --- configuration -----------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--sizes", default="10000,100000,1000000", help="active offers, comma list")
    parser.add_argument("--requests", type=int, default=1000, help="random requests per size")
    parser.add_argument("--seed", type=int, default=20261121, help="seed of data and requests")
    parser.add_argument(
        "--server", default="postgresql://postgres@127.0.0.1:5432", help="PostgreSQL server URL"
    )
    parser.add_argument(
        "--database-prefix",
        default="capmatch_bench_match",
        help="databases are <prefix>_<size>, dropped and recreated",
    )
    parser.add_argument("--port", type=int, default=8731, help="capmatch's port on 127.0.0.1")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument(
        "--sql-requests",
        type=int,
        default=0,
        help="SQL baseline requests per size (0: all below 1M offers, 200 from 1M)",
    )
    parser.add_argument(
        "--sql-budget", type=float, default=300.0, help="seconds of SQL baseline per size at most"
    )
    parser.add_argument("--skip-http", action="store_true", help="no server, no HTTP figures")
    parser.add_argument("--skip-sql", action="store_true", help="no SQL baseline")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the databases")
    parser.add_argument(
        "--mode",
        choices=("offers", "demand"),
        default="offers",
        help="offers: offers for requests (the sizes); demand: open requests for offers",
    )
    match_demand.add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        args.size_list = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error("--sizes must be a comma-separated list of integers")
    if not args.size_list or min(args.size_list) < 1 or args.requests < 1:
        parser.error("--sizes and --requests must be >= 1")
    if "bench_match" not in args.database_prefix or not args.database_prefix.islower():
        parser.error("--database-prefix must be lower case and contain 'bench_match'")
    return args


# --- database ----------------------------------------------------------------------


async def seed_database(dsn: str, market: seed.Market) -> dict[str, float]:
    """COPY partner, organisations, certifications, offers; rebuild indexes; VACUUM ANALYZE.

    Secondary indexes of ``offers`` are dropped before the COPY and recreated from their
    own definitions after (much faster than maintaining the GIN index row by row). User
    triggers (e.g. change feeds) are disabled during the load and ``market_changes`` is
    emptied afterwards: a bulk seed is not a stream of market changes.
    """
    timings: dict[str, float] = {}
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        started = time.perf_counter()
        tables = ("partners", "organizations", "organization_certifications", "offers")
        for table in tables:
            await connection.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        indexes = await connection.fetch(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.tablename = 'offers' AND i.schemaname = current_schema() "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        )
        for index in indexes:
            await connection.execute(f'DROP INDEX "{index["indexname"]}"')
        await connection.copy_records_to_table(
            "partners", records=seed.partner_rows(PARTNER_ID), columns=seed.PARTNER_COLUMNS
        )
        await connection.copy_records_to_table(
            "organizations",
            records=seed.organization_rows(market, PARTNER_ID),
            columns=seed.ORGANIZATION_COLUMNS,
        )
        await connection.copy_records_to_table(
            "organization_certifications",
            records=seed.certification_rows(market),
            columns=seed.CERTIFICATION_COLUMNS,
        )
        timings["organizations_s"] = time.perf_counter() - started
        started = time.perf_counter()
        for start in range(0, len(market), COPY_CHUNK):
            stop = min(len(market), start + COPY_CHUNK)
            rows = seed.offer_rows(market, PARTNER_ID, OFFER_COLUMNS, start, stop)
            await connection.copy_records_to_table("offers", records=rows, columns=OFFER_COLUMNS)
        timings["offers_copy_s"] = time.perf_counter() - started
        started = time.perf_counter()
        for index in indexes:
            await connection.execute(index["indexdef"])
        timings["indexes_s"] = time.perf_counter() - started
        for table in tables:
            await connection.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        if await connection.fetchval("SELECT to_regclass('market_changes') IS NOT NULL"):
            await connection.execute("TRUNCATE market_changes")
        started = time.perf_counter()
        await connection.execute("VACUUM ANALYZE")
        timings["vacuum_analyze_s"] = time.perf_counter() - started
    finally:
        await connection.close()
    return {key: round(value, 2) for key, value in timings.items()}


# --- in-process ----------------------------------------------------------------------


def _construct(cls: type, **values: Any) -> Any:
    """``cls(**values)`` with only the fields ``cls`` has (the model is being extended)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in values.items() if k in names})


def offer_records(market: seed.Market) -> list[Any]:
    from app.matching.values import HeldCertification, OfferRecord

    # One certification mapping per organisation, shared by its offers.
    held: list[dict[str, Any]] = [{} for _ in market.org_ids]
    valid = [
        None if d == seed.NO_END else market.date_of(d) for d in market.cert_valid_until.tolist()
    ]
    for org, code, until, verified in zip(
        market.cert_org.tolist(),
        market.cert_code,
        valid,
        market.cert_verified.tolist(),
        strict=True,
    ):
        held[org][code] = HeldCertification(valid_until=until, verified=verified)
    day = {d: market.date_of(d) for d in range(-400, 800)}
    records = []
    names = {f.name for f in dataclasses.fields(OfferRecord)}
    columns = zip(
        market.offer_ids,
        market.lat.tolist(),
        market.lon.tolist(),
        market.offer_profile.tolist(),
        market.per_week.tolist(),
        market.available_from.tolist(),
        market.available_until.tolist(),
        market.capacity_total.tolist(),
        market.reserved.tolist(),
        market.lead_time_days.tolist(),
        market.min_order_quantity.tolist(),
        market.service_radius_km.tolist(),
        market.offer_org.tolist(),
        strict=True,
    )
    for (
        offer_id,
        lat,
        lon,
        profile,
        per_week,
        start,
        end,
        total,
        reserved,
        lead,
        moq,
        radius,
        org,
    ) in columns:
        values = {
            "id": offer_id,
            "lat": lat,
            "lon": lon,
            "skills": market.profiles[profile][0],
            "products": market.profiles[profile][1],
            "capacity_per_week": per_week,
            "available_from": day[start],
            "available_until": day[end],
            "capacity_total": None if total < 0 else total,
            "reserved_quantity": reserved,
            "lead_time_days": lead,
            "min_order_quantity": moq,
            "service_radius_km": None if math.isnan(radius) else radius,
            "certifications": held[org],
            "organization_id": market.org_ids[org],
            "partner_id": PARTNER_ID,
            "shared": True,
            "unit": "pieces",
        }
        records.append(OfferRecord(**{k: v for k, v in values.items() if k in names}))
    return records


def want_of(need: seed.Need, today: date) -> Any:
    from app.matching.values import Want

    return _construct(
        Want,
        skills=need.skills,
        products=need.products,
        quantity=need.quantity,
        needed_by=need.needed_by,
        lat=need.lat,
        lon=need.lon,
        today=today,
        required_certifications=need.required_certifications,
        preferred_certifications=need.preferred_certifications,
        max_distance_km=need.max_distance_km,
        unit="pieces",
    )


def array_bytes(value: Any) -> int:
    """Bytes of the numpy arrays an index holds (its dataclasses followed, caches not):
    the floor of its memory, before Python objects and allocator slack."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(
            array_bytes(getattr(value, field.name))
            for field in dataclasses.fields(value)
            if field.compare  # the reach cache is per request, not part of the load
        )
    if isinstance(value, tuple | list):
        return sum(array_bytes(item) for item in value)
    return 0


def measure_in_process(
    market: seed.Market, needs: list[seed.Need], taxonomy: Any, today: date
) -> tuple[dict[str, Any], list[list[str]]]:
    from app.matching.candidates import build_candidates
    from app.matching.scoring import score_offers

    started = time.perf_counter()
    records = offer_records(market)
    records_s = time.perf_counter() - started
    started = time.perf_counter()
    candidates = build_candidates(records)
    build_s = time.perf_counter() - started
    arrays_mb = array_bytes(candidates) / 1e6
    del records
    gc.collect()
    wants = [want_of(need, today) for need in needs]
    for want in wants[:WARMUP_CALLS]:
        score_offers(want, candidates, taxonomy, limit=LIMIT)
    seconds, tops, counts = [], [], []
    gc.disable()
    try:
        for want in wants:
            started = time.perf_counter()
            matches = score_offers(want, candidates, taxonomy, limit=LIMIT)
            seconds.append(time.perf_counter() - started)
            tops.append([m.offer_id for m in matches])
            counts.append(len(matches))
    finally:
        gc.enable()
    del candidates
    gc.collect()
    result = {
        "records_s": round(records_s, 2),
        "build_candidates_s": round(build_s, 2),
        "index_arrays_mb": round(arrays_mb, 1),
        **latency_summary(seconds),
        "requests_with_20": sum(c == LIMIT for c in counts),
        "requests_with_none": sum(c == 0 for c in counts),
    }
    return result, tops


# --- SQL baseline --------------------------------------------------------------------

# One statement for every request. $1 lat, $2 lon, $3 today, $4 needed_by, $5 quantity,
# $6 unit, $7 max_distance_km (NULL: none), $8 the search terms that pass the skill filter
# (every code with similarity > 0, see filter_terms), $9 the wanted codes as search terms
# (an offer naming the code or something below it gets full credit for it), $10 required
# and $11 preferred certifications.
SQL_BASELINE = """
SELECT o.id,
       0.35 * s.skill + 0.15 * s.certification + 0.2 * exp(-d.km / 150.0)
       + 0.2 * s.capacity + 0.1 * s.time AS score
FROM offers o
CROSS JOIN LATERAL (
    SELECT 2 * 6371.0088 * asin(least(1.0, sqrt(
        sin(radians(o.lat - $1) / 2) ^ 2
        + cos(radians($1)) * cos(radians(o.lat)) * sin(radians(o.lon - $2) / 2) ^ 2))) AS km,
        greatest(o.available_from, $3::date + o.lead_time_days) AS start
) d
CROSS JOIN LATERAL (
    SELECT greatest(0, least(
        coalesce(o.capacity_total::bigint,
                 o.capacity_per_week::bigint * (o.available_until - o.available_from + 1) / 7),
        o.capacity_per_week::bigint
            * greatest(0, least(o.available_until, $4::date) - d.start + 1) / 7)
        - o.reserved_quantity) AS deliverable
) q
CROSS JOIN LATERAL (
    SELECT
        (SELECT count(*) FROM unnest($9::text[]) w(term) WHERE w.term = ANY(o.search_codes))
            ::float8 / cardinality($9::text[]) AS skill,
        CASE WHEN cardinality($11::text[]) = 0 THEN 1.0 ELSE (
            SELECT coalesce(sum(best), 0) / cardinality($11::text[]) FROM (
                SELECT max(CASE WHEN oc.verified THEN 1.0 ELSE 0.7 END) AS best
                FROM unnest($11::text[]) p(code)
                JOIN organization_certifications oc
                  ON oc.organization_id = o.organization_id
                 AND (oc.code = p.code OR oc.code LIKE p.code || '.%')
                 AND coalesce(oc.valid_until, 'infinity'::date) >= $4::date
                GROUP BY p.code) held
        ) END AS certification,
        least(1.0, q.deliverable::float8 / $5)
            * CASE WHEN o.min_order_quantity > $5 THEN 0.2 ELSE 1.0 END AS capacity,
        least(1.0, greatest(0.0, ($4::date - d.start) / 14.0)) AS time
) s
WHERE o.status = 'active'
  AND o.visibility = 'shared'
  AND o.available_until >= $3::date
  AND o.capacity_unit = $6
  AND o.search_codes && $8::text[]
  AND ($7::float8 IS NULL OR d.km <= $7::float8)
  AND (o.service_radius_km IS NULL OR d.km <= o.service_radius_km)
  AND q.deliverable > 0
  AND NOT EXISTS (
      SELECT 1 FROM unnest($10::text[]) r(code)
      WHERE NOT EXISTS (
          SELECT 1 FROM organization_certifications oc
          WHERE oc.organization_id = o.organization_id
            AND (oc.code = r.code OR oc.code LIKE r.code || '.%')
            AND coalesce(oc.valid_until, 'infinity'::date) >= $4::date))
ORDER BY score DESC, o.id
LIMIT 20
"""


def filter_terms(need: seed.Need, taxonomy: Any) -> list[str]:
    """Search terms of every code that gives a wanted code similarity > 0 (the skill filter).

    ``search_codes`` holds each offered code with its ancestors, so ``s:X`` is there
    when an offer names X or something below X; the scorer's similarity is > 0 for those
    too (same family at least), so the overlap is the scorer's "covered" filter.
    """
    wanted = [("skill", c) for c in need.skills] + [("product", c) for c in need.products]
    terms = set()
    for kind, prefix in (("skill", "s"), ("product", "p")):
        for code in taxonomy.codes(kind):
            if any(
                taxonomy.cross_similarity(w, code, wanted_kind=wk, offered_kind=kind) > 0
                for wk, w in wanted
            ):
                terms.add(f"{prefix}:{code}")
    return sorted(terms)


def sql_params(need: seed.Need, taxonomy: Any, today: date) -> tuple[Any, ...]:
    wanted = [f"s:{c}" for c in need.skills] + [f"p:{c}" for c in need.products]
    return (
        need.lat,
        need.lon,
        today,
        need.needed_by,
        need.quantity,
        "pieces",
        need.max_distance_km,
        filter_terms(need, taxonomy),
        wanted,
        list(need.required_certifications),
        list(need.preferred_certifications),
    )


async def measure_sql(
    dsn: str, needs: list[seed.Need], taxonomy: Any, today: date, limit: int, budget_s: float
) -> tuple[dict[str, Any], list[list[str]]]:
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        # JIT compilation only adds latency to a query like this one: off, to be fair to SQL.
        await connection.execute("SET jit = off")
        statement = await connection.prepare(SQL_BASELINE)
        params = [sql_params(need, taxonomy, today) for need in needs[:limit]]
        for p in params[:5]:
            await statement.fetch(*p)
        plan = [row[0] for row in await connection.fetch("EXPLAIN " + SQL_BASELINE, *params[0])]
        seconds, tops = [], []
        deadline = time.monotonic() + budget_s
        for p in params:
            started = time.perf_counter()
            rows = await statement.fetch(*p)
            seconds.append(time.perf_counter() - started)
            tops.append([row["id"] for row in rows])
            if time.monotonic() > deadline:
                break
    finally:
        await connection.close()
    return {**latency_summary(seconds), "plan_of_first_request": plan}, tops


# --- HTTP ----------------------------------------------------------------------------


SEARCH_PATH = f"/v1/matches/search?limit={LIMIT}"


def offer_ids_of(payload: Any) -> list[str]:
    ids = []
    for match in payload.get("data", []):
        offer = match.get("offer") if isinstance(match, dict) else None
        ids.append(offer.get("id") if isinstance(offer, dict) else match.get("offer_id"))
    return ids


def run_clients(
    port: int, token: str, bodies: list[bytes], clients: int
) -> tuple[list[float], list[Any], int, float]:
    """``clients`` threads, each with its own keep-alive connection, share ``bodies``.

    Returns (latencies, payload per body, errors, wall seconds).
    """
    latencies: list[float] = []
    payloads: list[Any] = [None] * len(bodies)
    errors = 0
    lock = threading.Lock()
    next_index = iter(range(len(bodies)))

    def client() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection(HOST, port, timeout=HTTP_TIMEOUT_S)
        try:
            while True:
                with lock:
                    i = next(next_index, None)
                if i is None:
                    return
                started = time.perf_counter()
                status, payload = http_call(connection, "POST", SEARCH_PATH, token, bodies[i])
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    payloads[i] = payload
                    if status != 200:
                        errors += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, payloads, errors, time.perf_counter() - started


def measure_http(
    args: argparse.Namespace, sqlalchemy_url: str, needs: list[seed.Need], size: int
) -> tuple[dict[str, Any], list[list[str]]]:
    admin_key = secrets.token_urlsafe(32)
    server = Capmatch(args.port, sqlalchemy_url, admin_key, RESULTS_DIR / f"match-{size}.log")
    server.start()
    try:
        status, partner = server.call(
            "POST",
            "/v1/partners",
            token=admin_key,
            body={"name": "Bench Client", "slug": f"bench-client-{secrets.token_hex(3)}"},
        )
        if status != 201:
            raise BenchError(f"create partner: HTTP {status}: {partner}")
        token = partner["api_key"]
        for _ in range(20):
            server.call("GET", "/healthz")
        rss_before = read_status(server.pid)
        bodies = [json.dumps(need.body()).encode() for need in needs]
        started = time.perf_counter()
        status, payload = server.call(
            "POST", SEARCH_PATH, token=token, body=bodies[0], timeout=FIRST_MATCH_TIMEOUT_S
        )
        first_s = time.perf_counter() - started
        if status != 200:
            raise BenchError(f"POST {SEARCH_PATH}: HTTP {status}: {str(payload)[:500]}")
        _, _, warm_errors, _ = run_clients(args.port, token, bodies[:WARMUP_CALLS], 1)
        if warm_errors:
            raise BenchError(f"{warm_errors} of {WARMUP_CALLS} warm-up searches failed")
        rss_after = read_status(server.pid)
        cpu_before = cpu_seconds(server.pid)
        one, payloads, one_errors, one_wall = run_clients(args.port, token, bodies, 1)
        one_cpu = cpu_seconds(server.pid) - cpu_before
        cpu_before = cpu_seconds(server.pid)
        many, _, many_errors, many_wall = run_clients(args.port, token, bodies, args.clients)
        many_cpu = cpu_seconds(server.pid) - cpu_before
        rss_end = read_status(server.pid)
    finally:
        server.stop()
    tops = [offer_ids_of(p) if isinstance(p, dict) else [] for p in payloads]
    result = {
        "first_search_s": round(first_s, 2),
        "rss_before_mb": round(rss_before["VmRSS"] / 1024, 1),
        "rss_after_mb": round(rss_after["VmRSS"] / 1024, 1),
        "rss_increase_mb": round((rss_after["VmRSS"] - rss_before["VmRSS"]) / 1024, 1),
        "rss_end_mb": round(rss_end["VmRSS"] / 1024, 1),
        "rss_peak_mb": round(rss_end["VmHWM"] / 1024, 1),
        "one_client": {
            **latency_summary(one),
            "errors": one_errors,
            "requests_per_s": round(len(one) / one_wall, 1),
            "server_cpu_ms_per_request": round(1000 * one_cpu / len(one), 3),
        },
        f"{args.clients}_clients": {
            **latency_summary(many),
            "errors": many_errors,
            "requests_per_s": round(len(many) / many_wall, 1),
            "server_cpu_ms_per_request": round(1000 * many_cpu / len(many), 3),
        },
    }
    return result, tops


# --- report --------------------------------------------------------------------------


def agreement(a: list[list[str]], b: list[list[str]]) -> dict[str, Any]:
    """How alike two engines' top-20s are over the requests both answered."""
    n = min(len(a), len(b))
    if n == 0:
        return {"n": 0}
    same = sum(a[i] == b[i] for i in range(n))
    overlap = [
        len(set(a[i]) & set(b[i])) / max(1, len(set(a[i]) | set(b[i]))) if (a[i] or b[i]) else 1.0
        for i in range(n)
    ]
    return {"n": n, "identical_lists": same, "mean_jaccard": round(statistics.fmean(overlap), 3)}


def goal_checks(results: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    checks = []
    for size, limit in GOAL_INPROC_P95_MS.items():
        if size in results and "in_process" in results[size]:
            p95 = results[size]["in_process"]["p95_ms"]
            checks.append(
                {
                    "goal": f"in-process p95 <= {limit:g} ms at {size:,}",
                    "value": p95,
                    "met": p95 <= limit,
                }
            )
    big = results.get(GOAL_SQL_RATIO_AT, {})
    if "in_process" in big and "sql" in big:
        for q in ("p95", "p50"):
            ratio = big["sql"][f"{q}_ms"] / big["in_process"][f"{q}_ms"]
            checks.append(
                {
                    "goal": f"SQL/in-process {q} >= {GOAL_SQL_RATIO:g}x at {GOAL_SQL_RATIO_AT:,}",
                    "value": round(ratio, 1),
                    "met": ratio >= GOAL_SQL_RATIO,
                }
            )
    if "http" in big:
        p95 = big["http"]["one_client"]["p95_ms"]
        checks.append(
            {
                "goal": f"HTTP p95 (1 client) <= {GOAL_HTTP_P95_MS_AT_1M:g} ms at 1,000,000",
                "value": p95,
                "met": p95 <= GOAL_HTTP_P95_MS_AT_1M,
            }
        )
        rss = big["http"]["rss_increase_mb"]
        checks.append(
            {
                "goal": f"RSS increase <= {GOAL_RSS_MB_AT_1M:g} MB at 1,000,000",
                "value": rss,
                "met": rss <= GOAL_RSS_MB_AT_1M,
            }
        )
    return checks


def print_size(size: int, result: dict[str, Any], clients: int) -> None:
    print(f"\n=== {size:,} active offers ===")
    print(f"seed: {result['seed']}")
    header = f"{'engine':<28}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'req/s':>9}"
    print(header)
    print("-" * len(header))

    def row(name: str, figures: dict[str, Any], rate: float | None = None) -> None:
        rate_text = f"{rate:>9.1f}" if rate is not None else f"{'':>9}"
        print(
            f"{name:<28}{figures['n']:>6}{figures['p50_ms']:>10.3f}{figures['p95_ms']:>10.3f}"
            f"{figures['p99_ms']:>10.3f}{rate_text}"
        )

    if "in_process" in result:
        row("in-process score_offers", result["in_process"])
    if "sql" in result:
        row("SQL baseline (1 query)", result["sql"])
    if "http" in result:
        http_result = result["http"]
        one, many = http_result["one_client"], http_result[f"{clients}_clients"]
        row("HTTP, 1 client", one, one["requests_per_s"])
        row(f"HTTP, {clients} clients", many, many["requests_per_s"])
    if "in_process" in result:
        inproc = result["in_process"]
        print(
            f"build_candidates {inproc['build_candidates_s']} s (records {inproc['records_s']} s), "
            f"index arrays {inproc['index_arrays_mb']} MB; "
            f"requests with 20 matches {inproc['requests_with_20']}, "
            f"with none {inproc['requests_with_none']}"
        )
    if "in_process" in result and "sql" in result:
        sql, inproc = result["sql"], result["in_process"]
        print(
            f"SQL/in-process: p50 {sql['p50_ms'] / inproc['p50_ms']:.1f}x, "
            f"p95 {sql['p95_ms'] / inproc['p95_ms']:.1f}x "
            f"(SQL over {sql['n']} requests); top-20 agreement {result.get('agreement_sql')}"
        )
    if "http" in result:
        h = result["http"]
        print(
            f"server RSS {h['rss_before_mb']} MB -> {h['rss_after_mb']} MB after the index "
            f"loaded (+{h['rss_increase_mb']} MB; peak {h['rss_peak_mb']} MB); first search "
            f"{h['first_search_s']} s; server CPU/request 1 client "
            f"{h['one_client']['server_cpu_ms_per_request']} ms; errors "
            f"{h['one_client']['errors']}/{h[f'{clients}_clients']['errors']}; "
            f"top-20 agreement with in-process {result.get('agreement_http')}"
        )
    if "http_error" in result:
        print(f"HTTP not measured: {result['http_error']}")


# --- main ----------------------------------------------------------------------------


def run_size(
    args: argparse.Namespace,
    size: int,
    places: seed.Places,
    needs: list[seed.Need],
    taxonomy: Any,
    today: date,
) -> dict[str, Any]:
    database = f"{args.database_prefix}_{size}"
    dsn, sqlalchemy_url = database_urls(args.server, database)
    result: dict[str, Any] = {"database": database}
    started = time.perf_counter()
    market = seed.generate_market(size, args.seed, places, today)
    generated_s = time.perf_counter() - started
    print(
        f"\n[{size:,}] generated {len(market.org_ids):,} organisations and {size:,} offers "
        f"({len(market.profiles)} code mixes) in {generated_s:.1f} s; seeding {database} ...",
        flush=True,
    )
    asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    asyncio.run(admin(args.server, f'CREATE DATABASE "{database}"'))
    try:
        upgrade(Settings(database_url=sqlalchemy_url))
        started = time.perf_counter()
        timings = asyncio.run(seed_database(dsn, market))
        result["seed"] = {
            "generate_s": round(generated_s, 2),
            **timings,
            "total_s": round(time.perf_counter() - started + generated_s, 1),
            "organizations": len(market.org_ids),
            "certifications": int(market.cert_org.size),
            "code_mixes": len(market.profiles),
        }
        print(f"[{size:,}] seeded: {result['seed']}; in-process ...", flush=True)
        result["in_process"], inproc_tops = measure_in_process(market, needs, taxonomy, today)
        del market
        gc.collect()
        print(f"[{size:,}] in-process: {result['in_process']}", flush=True)
        if not args.skip_sql:
            limit = args.sql_requests or (len(needs) if size < 1_000_000 else min(len(needs), 200))
            print(f"[{size:,}] SQL baseline over up to {limit} requests ...", flush=True)
            result["sql"], sql_tops = asyncio.run(
                measure_sql(dsn, needs, taxonomy, today, limit, args.sql_budget)
            )
            result["agreement_sql"] = agreement(inproc_tops, sql_tops)
            print(f"[{size:,}] SQL: {result['sql']}", flush=True)
        if not args.skip_http:
            print(f"[{size:,}] HTTP (first search loads the index) ...", flush=True)
            try:
                result["http"], http_tops = measure_http(args, sqlalchemy_url, needs, size)
                result["agreement_http"] = agreement(inproc_tops, http_tops)
            except BenchError as error:
                result["http_error"] = str(error)
                print(f"[{size:,}] HTTP failed: {error}", flush=True)
    finally:
        if not args.keep_db:
            asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    return result


def main_demand(args: argparse.Namespace) -> int:
    """``--mode demand``: open requests ranked for offers (``bench/match_demand.py``)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    started = time.monotonic()
    try:
        taxonomy = load_taxonomy()
        seed.check_vocabulary(taxonomy)
        places = seed.load_places()
        pg_version = asyncio.run(server_version(database_urls(args.server, "postgres")[0]))
        result = match_demand.run(args, taxonomy, places, datetime.now(UTC).date())
    except (BenchError, OSError, asyncpg.PostgresError, ImportError) as error:
        print(f"benchmark could not run: {error!r}", file=sys.stderr)
        return 2
    checks = match_demand.report(result)
    print("\nGoals (2-core machine):")
    for check in checks:
        print(f"  {check['goal']:<52} {check['value']:>10}  {'met' if check['met'] else 'MISSED'}")
    record = {
        "date": stamp,
        "code": code_version(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "settings": {
            key: getattr(args, key)
            for key in (
                "open_requests",
                "demand_offers",
                "calls",
                "baseline_calls",
                "baseline_commit",
                "seed",
                "skip_http",
            )
        },
        "machine": machine_info(pg_version),
        "result": result,
        "goals": checks,
    }
    output = RESULTS_DIR / f"match-demand-{stamp}.json"
    output.write_text(json.dumps(record, indent=2, default=str) + "\n")
    print(
        f"\ncode {record['code']}; wrote {output.relative_to(REPO_DIR)} "
        f"({time.monotonic() - started:.0f} s)"
    )
    return 0 if all(check["met"] for check in checks) else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    RESULTS_DIR.mkdir(exist_ok=True)
    if args.mode == "demand":
        return main_demand(args)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    started = time.monotonic()
    try:
        taxonomy = load_taxonomy()
        seed.check_vocabulary(taxonomy)
        places = seed.load_places()
        today = datetime.now(UTC).date()
        needs = seed.generate_needs(args.requests, args.seed, places, today)
        pg_version = asyncio.run(server_version(database_urls(args.server, "postgres")[0]))
        results: dict[int, dict[str, Any]] = {}
        for size in args.size_list:
            results[size] = run_size(args, size, places, needs, taxonomy, today)
            print_size(size, results[size], args.clients)
    except (BenchError, OSError, asyncpg.PostgresError, ImportError) as error:
        print(f"benchmark could not run: {error!r}", file=sys.stderr)
        return 2
    checks = goal_checks(results)
    print("\nGoals (2-core machine):")
    for check in checks:
        print(f"  {check['goal']:<52} {check['value']:>10}  {'met' if check['met'] else 'MISSED'}")
    if not checks:
        print("  none applicable to these sizes/options")
    report = {
        "date": stamp,
        "code": code_version(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "settings": {
            "sizes": args.size_list,
            "requests": args.requests,
            "seed": args.seed,
            "clients": args.clients,
            "skip_http": args.skip_http,
            "skip_sql": args.skip_sql,
            "sql_requests": args.sql_requests,
            "sql_budget_s": args.sql_budget,
        },
        "machine": machine_info(pg_version),
        "places": places.counts,
        "requests_by_archetype": dict(
            sorted(
                ((a.name, sum(n.archetype == a.name for n in needs)) for a in seed.ARCHETYPES),
                key=lambda item: -item[1],
            )
        ),
        "results": {str(size): value for size, value in results.items()},
        "goals": checks,
    }
    output = RESULTS_DIR / f"match-{stamp}.json"
    output.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(
        f"\ncode {report['code']}; wrote {output.relative_to(REPO_DIR)} "
        f"({time.monotonic() - started:.0f} s)"
    )
    incomplete = any("http_error" in r for r in results.values())
    if incomplete:
        return 2
    return 0 if all(check["met"] for check in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
