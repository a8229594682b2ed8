"""The shared calendar as calendar apps poll it: ``GET /v1/calendar.ics`` at 2,000 events.

capmatch under uvicorn on PostgreSQL (a database of its own, dropped afterwards), with one
partner whose member posts ``--events`` calendar events over the next months (the feed's
cap is 2,000). Calendar apps poll the same URL every few minutes to hours; mostly nothing
has changed. Timed over one keep-alive connection, ``--calls`` times each:

1. **changed**: the feed right after an event changed (a PATCH before each call), so the
   calendar is rendered anew: what every poll cost before rendered calendars were kept;
2. **polled**: the same feed again, nothing changed: found among the rendered calendars;
3. **304**: the same poll with the ETag of the last answer in ``If-None-Match``;
4. baseline: ``GET /v1/calendar-events?limit=100``, one JSON page of the same events.

Prints p50/p95 per path and writes ``bench/results/calendar-<timestamp>.json``.

    .venv/bin/python bench/calendar_feed.py                  # from the repository root
    .venv/bin/python bench/calendar_feed.py --events 500 --calls 20

Exit status: 0 when an unchanged poll (polled) is at least 5x cheaper than a render at
p50, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.core.config import Settings
from app.migrate import upgrade
from bench.harness import (
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

ADMIN_KEY = "bench-admin-key-0123456789abcdefghijklmnopqrstuvwxyz"
TOPICS = ["mask.surgical", "textile.sewing", "en-14683", "iso-13485", "textile.nonwoven"]
SPEEDUP_GOAL = 5.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="capmatch_bench_calendar")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--port", type=int, default=8794)
    return parser.parse_args(argv)


def _get(
    connection: http.client.HTTPConnection, path: str, token: str, etag: str | None = None
) -> tuple[int, bytes, str, float]:
    headers = {"Authorization": f"Bearer {token}"}
    if etag is not None:
        headers["If-None-Match"] = etag
    started = time.perf_counter()
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    return response.status, body, response.getheader("ETag") or "", elapsed


def fill(server: Capmatch, count: int) -> tuple[str, list[str]]:
    partner = server.created("/v1/partners", ADMIN_KEY, {"name": "Bench", "slug": "bench"})
    key = partner["api_key"]
    member = server.created(
        "/v1/organizations",
        key,
        {"name": "Messe GmbH", "kind": "both", "location": {"lat": 50.98, "lon": 11.03}},
    )
    start = datetime(2027, 1, 4, 9, 0)
    ids = []
    connection = http.client.HTTPConnection(HOST, server.port, timeout=60)
    try:
        for index in range(count):
            begins = start + timedelta(hours=7 * index)
            body = {
                "organization_id": member["id"],
                "title": f"Webinar {index}: standards, testing and supply chains",
                "description": "What makers of medical textiles need to know. " * 4,
                "starts_at": begins.isoformat(),
                "ends_at": (begins + timedelta(minutes=90)).isoformat(),
                "online_url": f"https://meet.example.org/{index}",
                "topics": [TOPICS[index % len(TOPICS)]],
                "language": "de",
                "registration_url": f"https://portal.example/register/{index}",
            }
            status, made = http_call(connection, "POST", "/v1/calendar-events", key, body)
            if status != 201:
                raise BenchError(f"POST /v1/calendar-events: {status} {str(made)[:300]}")
            ids.append(made["id"])
    finally:
        connection.close()
    return key, ids


def measure(server: Capmatch, key: str, ids: list[str], calls: int) -> dict[str, Any]:
    ics = "/v1/calendar.ics"
    connection = http.client.HTTPConnection(HOST, server.port, timeout=120)
    changed, polled, not_modified, page = [], [], [], []
    size = 0
    try:
        for call in range(calls):
            title = {"title": f"Webinar {call}: moved"}
            status, _ = http_call(connection, "PATCH", f"/v1/calendar-events/{ids[0]}", key, title)
            if status != 200:
                raise BenchError(f"PATCH: {status}")
            status, body, _, elapsed = _get(connection, ics, key)
            if status != 200:
                raise BenchError(f"GET {ics}: {status}")
            changed.append(elapsed)
            size = len(body)
        for _ in range(calls):
            status, _, etag, elapsed = _get(connection, ics, key)
            polled.append(elapsed)
            status, body, _, elapsed = _get(connection, ics, key, etag)
            if status != 304 or body:
                raise BenchError(f"If-None-Match: {status}")
            not_modified.append(elapsed)
            status, _, _, elapsed = _get(connection, "/v1/calendar-events?limit=100", key)
            if status != 200:
                raise BenchError(f"GET /v1/calendar-events: {status}")
            page.append(elapsed)
    finally:
        connection.close()
    return {
        "bytes": size,
        "changed": latency_summary(changed),
        "polled": latency_summary(polled),
        "not_modified": latency_summary(not_modified),
        "json_page": latency_summary(page),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    dsn, url = database_urls(args.server, args.database)
    asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
    asyncio.run(admin(args.server, f'CREATE DATABASE "{args.database}"'))
    result: dict[str, Any] = {"code": code_version(), "args": vars(args)}
    RESULTS_DIR.mkdir(exist_ok=True)
    try:
        upgrade(Settings(database_url=url))
        result["machine"] = machine_info(asyncio.run(server_version(dsn)))
        server = Capmatch(args.port, url, ADMIN_KEY, RESULTS_DIR / "calendar-server.log")
        server.start()
        try:
            print(f"[calendar] posting {args.events} events ...", flush=True)
            key, ids = fill(server, args.events)
            print(f"[calendar] {args.calls} calls per path ...", flush=True)
            result["figures"] = measure(server, key, ids, args.calls)
        finally:
            server.stop()
    finally:
        asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
    return result


def report(result: dict[str, Any]) -> int:
    figures = result["figures"]
    events = result["args"]["events"]
    print(f"\n=== calendar.ics, {events} events, {figures['bytes'] / 1024:.0f} KiB ===")
    print(f"{'path':52} {'n':>5} {'p50 ms':>9} {'p95 ms':>9}")
    for name, row in (
        ("changed: rendered anew (the baseline)", figures["changed"]),
        ("polled: unchanged, the rendered calendar found", figures["polled"]),
        ("304: unchanged, If-None-Match", figures["not_modified"]),
        ("GET /v1/calendar-events?limit=100 (JSON page)", figures["json_page"]),
    ):
        print(f"{name:52} {row['n']:>5} {row['p50_ms']:>9.1f} {row['p95_ms']:>9.1f}")
    speedup = figures["changed"]["p50_ms"] / max(figures["polled"]["p50_ms"], 1e-9)
    met = speedup >= SPEEDUP_GOAL
    print(
        f"an unchanged poll is {speedup:.1f}x cheaper than a render (goal >= {SPEEDUP_GOAL}x): "
        f"{'met' if met else 'MISSED'}"
    )
    return 0 if met else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        result = run(args)
    except BenchError as error:
        print(f"bench/calendar_feed.py: {error}", file=sys.stderr)
        return 2
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"calendar-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    status = report(result)
    print(f"\ncode {result['code']}; wrote {path.relative_to(REPO_DIR)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
