"""Events: the feed at a million stored events, and what the outbox costs a write.

Usage (PostgreSQL on 127.0.0.1, a throwaway database it creates and drops):

    .venv/bin/python bench/events.py                 # 1M events; a few minutes
    .venv/bin/python bench/events.py --events 100000 --posts 300

1. **Feed.** ``--events`` events are copied into the ``events`` table (as history: their
   transaction ids lie below every running one), spread over ``--partners`` partners
   with ten organisations each, a tenth of them engagement events with a counterpart
   partner. ``GET /v1/events?after=<cursor>&limit=100`` is called ``--calls`` times over
   HTTP at random positions, with the partner key of one partner (about 1/partners of the
   events are its own) and with the admin key. Baseline, same run: the same page read by
   seq alone straight from PostgreSQL (``WHERE seq > $1 ORDER BY seq LIMIT 100``: no
   tenancy, no HTTP), the floor of any feed. Goal: p95 <= 20 ms for a page of 100.
2. **Outbox overhead.** ``POST /v1/offers`` (one keep-alive connection, one at a time,
   ``--posts`` per round, ``--rounds`` rounds) against three servers in turn on the same
   database: this code; this code without the subscriber that appends event rows
   (``bench/outbox_off.py``), which isolates what the outbox adds; and
   ``--baseline-commit``, the code before events (extracted with ``git archive``), which
   shows what a write costs now against then. Goal: the outbox adds <= 15 % to the mean
   (same code, on against off).

Results: printed, and written to ``bench/results/events-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.core.config import Settings
from app.events.feed import encode_position
from app.migrate import upgrade
from bench.harness import (
    HOST,
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
from bench.match_demand import baseline_code

ADMIN_KEY = "bench-admin-key-0123456789abcdefghijklmnopqrstuvwxyz"
OBJECT_PADDING = "x" * 600  # an offer as GET shows it is about 1 kB of JSON
FEED_GOAL_MS = 20.0
OVERHEAD_GOAL = 0.15
# The servers POST /v1/offers is measured against, alternating in every round: this code,
# this code without the outbox's subscriber (bench/outbox_off.py), the code before events.
VARIANTS = ("outbox_on", "outbox_off", "baseline")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="capmatch_bench_events")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--partners", type=int, default=50)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline-commit", default="d333050")
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--keep-db", action="store_true")
    return parser.parse_args(argv)


def event_rows(
    count: int, partner_ids: list[str], top_txid: int, rng: random.Random, *, first_seq: int
) -> list[tuple[Any, ...]]:
    """History: ``count`` events from ``first_seq`` on, transaction ids rising below
    ``top_txid``."""
    start = datetime.now(UTC) - timedelta(days=20)
    types = ("offer.created", "offer.updated", "request.created", "organization.updated")
    rows = []
    for seq in range(first_seq, first_seq + count):
        partner = rng.choice(partner_ids)
        engagement = rng.random() < 0.1
        counterpart = rng.choice(partner_ids) if engagement else None
        data = {"object": {"id": f"obj_{seq:026d}", "title": "Sewing line", "pad": OBJECT_PADDING}}
        rows.append(
            (
                seq,
                f"evt_{seq:036d}",
                "engagement.created" if engagement else types[seq % len(types)],
                1 + ((seq - first_seq) * (top_txid - 2)) // count,
                partner,
                f"org_{partner[-6:]}_{rng.randrange(10)}",
                counterpart,
                f"org_{counterpart[-6:]}_{rng.randrange(10)}" if counterpart else None,
                json.dumps({"kind": "partner", "id": "key_bench"}),
                json.dumps(data),
                start + timedelta(seconds=seq * 1.7),
            )
        )
    return rows


async def seed_events(dsn: str, rows: list[tuple[Any, ...]]) -> float:
    connection = await asyncpg.connect(dsn)
    try:
        began = time.perf_counter()
        await connection.copy_records_to_table(
            "events",
            records=rows,
            columns=[
                "seq",
                "id",
                "type",
                "txid",
                "partner_id",
                "organization_id",
                "counterpart_partner_id",
                "counterpart_organization_id",
                "actor",
                "data",
                "created_at",
            ],
        )
        await connection.execute(
            "SELECT setval(pg_get_serial_sequence('events', 'seq'), (SELECT max(seq) FROM events))"
        )
        await connection.execute("VACUUM ANALYZE events")
        # The seed's gigabyte of dirty pages is flushed now, before anything is measured,
        # not by the checkpointer during the measured writes (it made no difference to
        # the outbox's overhead: +18.4 % with it, +18.5 % and +20.7 % without).
        await connection.execute("CHECKPOINT")
        return time.perf_counter() - began
    finally:
        await connection.close()


async def current_txid_and_seq(dsn: str) -> tuple[int, int]:
    """The cluster's next transaction id and the events' highest seq so far."""
    connection = await asyncpg.connect(dsn)
    try:
        txid = await connection.fetchval("SELECT pg_current_xact_id()::text::bigint")
        seq = await connection.fetchval("SELECT coalesce(max(seq), 0) FROM events")
        return int(txid), int(seq)
    finally:
        await connection.close()


def feed_calls(
    port: int, token: str, positions: list[tuple[int, int]]
) -> tuple[dict[str, Any], int]:
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    seconds, returned = [], 0
    try:
        for position in positions[:20]:  # warm-up
            http_call(
                connection,
                "GET",
                f"/v1/events?limit=100&after={encode_position(position)}",
                token,
                None,
            )
        for position in positions:
            path = f"/v1/events?limit=100&after={encode_position(position)}"
            began = time.perf_counter()
            status, payload = http_call(connection, "GET", path, token, None)
            seconds.append(time.perf_counter() - began)
            if status != 200:
                raise BenchError(f"GET /v1/events: {status} {str(payload)[:300]}")
            returned += len(payload["data"])
    finally:
        connection.close()
    return latency_summary(seconds), returned


async def floor_calls(dsn: str, seqs: list[int]) -> dict[str, Any]:
    connection = await asyncpg.connect(dsn)
    statement = "SELECT * FROM events WHERE seq > $1 ORDER BY seq LIMIT 100"
    seconds = []
    try:
        for seq in seqs[:20]:
            await connection.fetch(statement, seq)
        for seq in seqs:
            began = time.perf_counter()
            await connection.fetch(statement, seq)
            seconds.append(time.perf_counter() - began)
    finally:
        await connection.close()
    return latency_summary(seconds)


def post_offers(server: Capmatch, token: str, organization_id: str, count: int) -> list[float]:
    body = {
        "organization_id": organization_id,
        "title": "Free sewing line",
        "skills": ["textile.sewing"],
        "capacity": {"per_week": 1000},
        "available_until": (datetime.now(UTC).date() + timedelta(days=90)).isoformat(),
    }
    connection = http.client.HTTPConnection(HOST, server.port, timeout=60)
    seconds = []
    try:
        for index in range(count + 20):
            began = time.perf_counter()
            status, payload = http_call(connection, "POST", "/v1/offers", token, body)
            if index >= 20:  # the first ones warm up
                seconds.append(time.perf_counter() - began)
            if status != 201:
                raise BenchError(f"POST /v1/offers: {status} {str(payload)[:300]}")
    finally:
        connection.close()
    return seconds


def post_rounds(
    args: argparse.Namespace, url: str, token: str, organization_id: str, logs: Path
) -> dict[str, Any]:
    """``POST /v1/offers`` against the three servers, one after the other in each round."""
    seconds: dict[str, list[float]] = {name: [] for name in VARIANTS}
    with tempfile.TemporaryDirectory(prefix="capmatch-baseline-") as directory:
        baseline = baseline_code(args.baseline_commit, Path(directory))
        servers: dict[str, dict[str, Any]] = {
            "outbox_on": {},
            "outbox_off": {"factory": "bench.outbox_off:create_app"},
            "baseline": {"app_dir": baseline},
        }
        for round_ in range(args.rounds):
            for name, options in servers.items():
                print(f"[events] POST /v1/offers, round {round_ + 1}: {name}", flush=True)
                server = Capmatch(args.port, url, ADMIN_KEY, logs, **options)
                server.start()
                try:
                    seconds[name].extend(post_offers(server, token, organization_id, args.posts))
                finally:
                    server.stop()
    summaries = {name: latency_summary(values) for name, values in seconds.items()}
    on = summaries["outbox_on"]
    return {
        **summaries,
        "baseline_code": args.baseline_commit,
        **{
            f"overhead_{against}_{figure}": round(
                on[f"{figure}_ms"] / summaries[against][f"{figure}_ms"] - 1, 3
            )
            for against in ("outbox_off", "baseline")
            for figure in ("mean", "p50")
        },
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    dsn, url = database_urls(args.server, args.database)
    asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
    asyncio.run(admin(args.server, f'CREATE DATABASE "{args.database}"'))
    rng = random.Random(args.seed)
    result: dict[str, Any] = {"code": code_version(), "args": vars(args)}
    try:
        upgrade(Settings(database_url=url))
        result["machine"] = machine_info(asyncio.run(server_version(dsn)))
        logs = RESULTS_DIR / "events-server.log"
        server = Capmatch(args.port, url, ADMIN_KEY, logs)
        server.start()
        try:
            partner = server.created("/v1/partners", ADMIN_KEY, {"name": "Bench", "slug": "bench"})
            token = partner["api_key"]
            organization = server.created(
                "/v1/organizations",
                token,
                {"name": "Weberei", "kind": "both", "location": {"lat": 48.5, "lon": 9.2}},
            )
            partner_ids = [partner["id"]] + [f"par_bench{i:06d}" for i in range(args.partners - 1)]
            top_txid, last_seq = asyncio.run(current_txid_and_seq(dsn))
            rows = event_rows(args.events, partner_ids, top_txid, rng, first_seq=last_seq + 1)
            print(f"[events] seeding {args.events:,} events ...", flush=True)
            result["seed_s"] = round(asyncio.run(seed_events(dsn, rows)), 1)
            positions = [(row[3], row[0]) for row in rng.sample(rows, min(args.calls, len(rows)))]
            del rows
            print("[events] feed over HTTP ...", flush=True)
            partner_feed, partner_rows = feed_calls(args.port, token, positions)
            admin_feed, admin_rows = feed_calls(args.port, ADMIN_KEY, positions)
            floor = asyncio.run(floor_calls(dsn, [seq for _, seq in positions]))
            result["feed"] = {
                "partner_key": {**partner_feed, "events_per_page": partner_rows / len(positions)},
                "admin_key": {**admin_feed, "events_per_page": admin_rows / len(positions)},
                "floor_sql_by_seq": floor,
            }
        finally:
            server.stop()
        result["post_offers"] = post_rounds(args, url, token, organization["id"], logs)
    finally:
        if not args.keep_db:
            asyncio.run(
                admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
            )
    return result


def report(result: dict[str, Any]) -> int:
    feed, posts = result["feed"], result["post_offers"]
    stored, partners = result["args"]["events"], result["args"]["partners"]
    print(f"\n=== events: {stored:,} stored, {partners} partners ===")
    print(f"{'path':48} {'n':>5} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9}")
    for name, row in (
        ("GET /v1/events (partner key), page of 100", feed["partner_key"]),
        ("GET /v1/events (admin key), page of 100", feed["admin_key"]),
        ("floor: SQL by seq, page of 100 (no HTTP)", feed["floor_sql_by_seq"]),
        ("POST /v1/offers, this code", posts["outbox_on"]),
        ("POST /v1/offers, this code without the outbox", posts["outbox_off"]),
        (f"POST /v1/offers at {posts['baseline_code']} (before events)", posts["baseline"]),
    ):
        figures = f"{row['p50_ms']:>9.3f} {row['p95_ms']:>9.3f} {row['p99_ms']:>9.3f}"
        print(f"{name:48} {row['n']:>5} {figures}")
    for against, label in (("outbox_off", "without the outbox"), ("baseline", "before events")):
        mean, p50 = posts[f"overhead_{against}_mean"], posts[f"overhead_{against}_p50"]
        print(f"POST /v1/offers against {label}: mean {mean:+.1%}, p50 {p50:+.1%}")
    goals = [
        ("feed p95 <= 20 ms (partner key)", feed["partner_key"]["p95_ms"] <= FEED_GOAL_MS),
        ("feed p95 <= 20 ms (admin key)", feed["admin_key"]["p95_ms"] <= FEED_GOAL_MS),
        (
            "outbox overhead <= 15 % (mean, same code)",
            posts["overhead_outbox_off_mean"] <= OVERHEAD_GOAL,
        ),
    ]
    for name, met in goals:
        print(f"  {name:44} {'met' if met else 'MISSED'}")
    return 0 if all(met for _, met in goals) else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        result = run(args)
    except BenchError as error:
        print(f"bench/events.py: {error}", file=sys.stderr)
        return 2
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"events-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    status = report(result)
    print(f"\ncode {result['code']}; wrote {path.relative_to(RESULTS_DIR.parent.parent)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
