"""Webhooks: from a commit to the receiver, and how many deliveries a worker sends.

Usage (PostgreSQL on 127.0.0.1, a throwaway database it creates and drops; the receiver
listens on 127.0.0.1 in this process):

    .venv/bin/python bench/webhooks.py                  # about two minutes
    .venv/bin/python bench/webhooks.py --events 1000 --latency-calls 100

1. **Latency.** capmatch (one uvicorn worker, delivery embedded, as `capmatch serve`
   runs by default) with an endpoint for `offer.created` pointing at the receiver.
   ``--latency-calls`` times, one at a time with a random pause of up to 50 ms:
   ``POST /v1/offers``; its 201 arrives after the commit, so commit -> received is the
   time from that answer to the receiver getting the event. Baseline, same run: the
   same receiver's round trip for a body of the same size posted directly (the floor
   of any delivery). Goal: p95 <= 1 s (stretch 250 ms).
2. **Throughput.** With delivery off in the API server, ``--events`` offers are created
   (so as many deliveries wait), then ``capmatch worker`` processes (1, then 2, each on a
   fresh batch) deliver them; deliveries per second from the first to the last arrival.
   Baseline, same run: the receiver's own rate for sequential direct posts. Goal: >= 300/s
   per worker.

Results: printed, and written to ``bench/results/webhooks-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
    stop_session,
)

ADMIN_KEY = "bench-admin-key-0123456789abcdefghijklmnopqrstuvwxyz"
LATENCY_GOAL_S, LATENCY_STRETCH_S, RATE_GOAL = 1.0, 0.25, 300.0
SETTLE_S = 120.0


class Receiver:
    """An HTTP server on loopback that notes when each offer's event arrived."""

    def __init__(self, port: int) -> None:
        self.arrivals: dict[str, float] = {}
        self.count = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                arrived = time.perf_counter()
                try:
                    object_id = json.loads(body)["data"]["object"].get("id", "")
                except (ValueError, KeyError, TypeError, AttributeError):
                    object_id = ""
                with receiver._lock:
                    receiver.count += 1
                    receiver.arrivals.setdefault(object_id, arrived)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        # A worker sends a batch concurrently: a listen backlog of 5 (the default) would
        # refuse most of it and measure the retry schedule instead.
        ThreadingHTTPServer.request_queue_size = 256
        self.server = ThreadingHTTPServer((HOST, port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, wanted: set[str], timeout: float = SETTLE_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if wanted <= self.arrivals.keys():
                    return
            time.sleep(0.01)
        missing = len(wanted - self.arrivals.keys())
        raise BenchError(f"{missing} of {len(wanted)} events never reached the receiver")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="capmatch_bench_webhooks")
    parser.add_argument("--latency-calls", type=int, default=300)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--port", type=int, default=8792)
    parser.add_argument("--receiver-port", type=int, default=8793)
    parser.add_argument("--seed", type=int, default=20261129)
    return parser.parse_args(argv)


def offer_body(organization_id: str) -> dict[str, Any]:
    return {
        "organization_id": organization_id,
        "title": "Free sewing line",
        "skills": ["textile.sewing"],
        "capacity": {"per_week": 1000},
        "available_until": (datetime.now(UTC).date() + timedelta(days=90)).isoformat(),
    }


def market(server: Capmatch, receiver_port: int) -> tuple[str, str]:
    """A partner (its key) with one member (its id) and an endpoint for offer.created."""
    slug = f"bench-{time.time_ns() % 10**9}"
    partner = server.created("/v1/partners", ADMIN_KEY, {"name": "Bench", "slug": slug})
    token = partner["api_key"]
    organization = server.created(
        "/v1/organizations",
        token,
        {"name": "Weberei", "kind": "both", "location": {"lat": 48.5, "lon": 9.2}},
    )
    server.created(
        "/v1/webhook-endpoints",
        token,
        {"url": f"http://{HOST}:{receiver_port}/hook", "event_types": ["offer.created"]},
    )
    return token, organization["id"]


def commit_to_receiver(
    server: Capmatch, receiver: Receiver, calls: int, rng: random.Random
) -> dict[str, Any]:
    token, organization_id = market(server, receiver.server.server_address[1])
    body = offer_body(organization_id)
    committed: dict[str, float] = {}
    connection = http.client.HTTPConnection(HOST, server.port, timeout=60)
    try:
        for _ in range(calls):
            status, payload = http_call(connection, "POST", "/v1/offers", token, body)
            committed[payload["id"]] = time.perf_counter()
            if status != 201:
                raise BenchError(f"POST /v1/offers: {status} {str(payload)[:300]}")
            time.sleep(rng.random() * 0.05)
    finally:
        connection.close()
    receiver.wait_for(set(committed))
    return latency_summary([receiver.arrivals[key] - at for key, at in committed.items()])


def direct_posts(receiver: Receiver, count: int) -> tuple[dict[str, Any], float]:
    """The receiver's round trip and rate for direct sequential posts of ~1 kB."""
    body = json.dumps({"data": {"object": {"id": "direct", "pad": "x" * 900}}}).encode()
    connection = http.client.HTTPConnection(HOST, receiver.server.server_address[1], timeout=60)
    seconds = []
    try:
        began = time.perf_counter()
        for _ in range(count):
            start = time.perf_counter()
            connection.request(
                "POST", "/hook", body=body, headers={"Content-Type": "application/json"}
            )
            connection.getresponse().read()
            seconds.append(time.perf_counter() - start)
        rate = count / (time.perf_counter() - began)
    finally:
        connection.close()
    return latency_summary(seconds), rate


def start_workers(count: int, url: str, log: Path) -> list[subprocess.Popen[bytes]]:
    env = os.environ | {
        "CAPMATCH_DATABASE_URL": url,
        "CAPMATCH_ADMIN_API_KEY": ADMIN_KEY,
        "CAPMATCH_ENVIRONMENT": "development",
        "CAPMATCH_LOG_LEVEL": "WARNING",
    }
    capmatch = str(Path(sys.executable).parent / "capmatch")
    handle = log.open("ab")
    return [
        subprocess.Popen(
            [capmatch, "worker"],
            cwd=REPO_DIR,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for _ in range(count)
    ]


def worker_rate(
    server: Capmatch, receiver: Receiver, url: str, workers: int, events: int, log: Path
) -> dict[str, Any]:
    token, organization_id = market(server, receiver.server.server_address[1])
    body = offer_body(organization_id)
    wanted: set[str] = set()
    connection = http.client.HTTPConnection(HOST, server.port, timeout=60)
    try:
        for _ in range(events):
            status, payload = http_call(connection, "POST", "/v1/offers", token, body)
            if status != 201:
                raise BenchError(f"POST /v1/offers: {status} {str(payload)[:300]}")
            wanted.add(payload["id"])
    finally:
        connection.close()
    processes = start_workers(workers, url, log)
    try:
        receiver.wait_for(wanted)
    finally:
        for process in processes:
            stop_session(process)
    arrived = sorted(receiver.arrivals[key] for key in wanted)
    span = arrived[-1] - arrived[0]
    return {
        "workers": workers,
        "deliveries": len(arrived),
        "seconds": round(span, 2),
        "per_second": round(len(arrived) / span, 1) if span > 0 else None,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    dsn, url = database_urls(args.server, args.database)
    asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
    asyncio.run(admin(args.server, f'CREATE DATABASE "{args.database}"'))
    rng = random.Random(args.seed)
    result: dict[str, Any] = {"code": code_version(), "args": vars(args)}
    log = RESULTS_DIR / "webhooks-server.log"
    RESULTS_DIR.mkdir(exist_ok=True)
    development = {"CAPMATCH_ENVIRONMENT": "development", "CAPMATCH_LOG_LEVEL": "WARNING"}
    try:
        upgrade(Settings(database_url=url))
        result["machine"] = machine_info(asyncio.run(server_version(dsn)))
        with Receiver(args.receiver_port) as receiver:
            floor, direct_rate = direct_posts(receiver, 1000)
            result["receiver"] = {
                "round_trip": floor,
                "sequential_per_second": round(direct_rate, 1),
            }
            print("[webhooks] commit -> receiver, delivery embedded ...", flush=True)
            server = Capmatch(args.port, url, ADMIN_KEY, log, env=development)
            server.start()
            try:
                result["commit_to_received"] = commit_to_receiver(
                    server, receiver, args.latency_calls, rng
                )
            finally:
                server.stop()
            server = Capmatch(
                args.port,
                url,
                ADMIN_KEY,
                log,
                env=development | {"CAPMATCH_WEBHOOK_DELIVERY": "off"},
            )
            server.start()
            try:
                result["throughput"] = []
                for workers in (1, 2):
                    print(
                        f"[webhooks] {args.events} deliveries, {workers} worker(s) ...", flush=True
                    )
                    result["throughput"].append(
                        worker_rate(server, receiver, url, workers, args.events, log)
                    )
            finally:
                server.stop()
    finally:
        asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
    return result


def report(result: dict[str, Any]) -> int:
    latency, floor = result["commit_to_received"], result["receiver"]["round_trip"]
    print("\n=== webhooks ===")
    print(f"{'path':52} {'n':>5} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9}")
    for name, row in (
        ("commit -> received (POST /v1/offers, embedded)", latency),
        ("floor: the receiver's round trip, direct", floor),
    ):
        figures = f"{row['p50_ms']:>9.3f} {row['p95_ms']:>9.3f} {row['p99_ms']:>9.3f}"
        print(f"{name:52} {row['n']:>5} {figures}")
    for row in result["throughput"]:
        print(
            f"{row['workers']} worker(s): {row['deliveries']} deliveries in {row['seconds']} s, "
            f"{row['per_second']}/s"
        )
    print(f"floor: the receiver takes {result['receiver']['sequential_per_second']}/s sequentially")
    one = result["throughput"][0]["per_second"] or 0.0
    goals = [
        ("commit -> received p95 <= 1 s", latency["p95_ms"] <= 1000 * LATENCY_GOAL_S),
        ("stretch: p95 <= 250 ms", latency["p95_ms"] <= 1000 * LATENCY_STRETCH_S),
        ("one worker >= 300 deliveries/s", one >= RATE_GOAL),
    ]
    for name, met in goals:
        print(f"  {name:44} {'met' if met else 'MISSED'}")
    return 0 if all(met for name, met in goals if not name.startswith("stretch")) else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        result = run(args)
    except BenchError as error:
        print(f"bench/webhooks.py: {error}", file=sys.stderr)
        return 2
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"webhooks-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    status = report(result)
    print(f"\ncode {result['code']}; wrote {path.relative_to(REPO_DIR)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
