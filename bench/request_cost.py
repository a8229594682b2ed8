"""Where capmatch's CPU goes on ``GET /v1/offers/{id}`` and ``POST /v1/offers``.

``api_read_write.py`` says how fast capmatch is under load; this script says where
the time goes. It calls the ASGI apps directly (no HTTP, no uvicorn, one request at
a time) and measures process CPU time per request, for capmatch and for the bare
baseline (``bare_app.py``). For capmatch it wraps the functions on the request path
with a CPU timer, so each line of the breakdown is the inclusive CPU of one call
(its SQL round trips included); "everything else" is FastAPI, the middleware, the
dependencies, validation and serialisation.

    /tmp/venv/bin/python bench/request_cost.py              # from the repository root
    /tmp/venv/bin/python bench/request_cost.py --access-log-cost

``GET /healthz`` is measured too: every middleware, no auth and no database (and no
access-log line), the floor of any request. ``--access-log-cost`` measures capmatch's
GET and POST a second time in the same run with the access log off (its logger above
INFO) and prints what the log line costs per request.

The wrapped functions are named in ``ATTRIBUTED``; one that no longer exists is
reported as skipped, so the script keeps working while the code moves.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import inspect
import io
import json
import logging
import os
import pstats
import random
import secrets
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from api_read_write import (
    REPO_DIR,
    RESULTS_DIR,
    BenchError,
    build_bodies,
    bulk_load_offers,
    database_urls,
    drop_database,
    offer_rows,
    recreate_database,
)
from harness import UNREFUSED_LIMITS

from app.core.config import Settings
from app.main import create_app

# (module or class path, attribute, label): the calls whose CPU is attributed.
ATTRIBUTED = (
    ("app.auth.repository:ApiKeyRepository", "find_usable", "API-key lookup (auth query)"),
    ("app.offers.repository:OfferRepository", "get_visible", "offer SELECT by id + visibility"),
    ("app.organizations.repository:OrganizationRepository", "get", "organisation + certifications"),
    ("app.offers.repository:OfferRepository", "add", "offer INSERT (ORM flush)"),
    ("sqlalchemy.ext.asyncio:AsyncSession", "commit", "COMMIT"),
    ("sqlalchemy.ext.asyncio:AsyncSession", "close", "session close (connection to pool)"),
    ("app.offers.router", "_out", "response object (OfferOut.of + ETag)"),
)

Call = Callable[[int], Awaitable[int]]


@dataclass
class CpuMeter:
    """Inclusive CPU seconds per label, summed over the calls of one measurement."""

    totals: dict[str, float]

    def wrap(self, target: str, attribute: str, label: str) -> bool:
        module_name, _, class_name = target.partition(":")
        owner: Any = __import__(module_name, fromlist=["_"])
        if class_name:
            owner = getattr(owner, class_name, None)
        inner = getattr(owner, attribute, None)
        if inner is None:
            return False
        totals = self.totals

        if inspect.iscoroutinefunction(inner):

            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                started = time.process_time()
                try:
                    return await inner(*args, **kwargs)
                finally:
                    totals[label] = totals.get(label, 0.0) + time.process_time() - started

            setattr(owner, attribute, timed_async)
        else:

            def timed(*args: Any, **kwargs: Any) -> Any:
                started = time.process_time()
                try:
                    return inner(*args, **kwargs)
                finally:
                    totals[label] = totals.get(label, 0.0) + time.process_time() - started

            setattr(owner, attribute, timed)
        return True


async def asgi_call(
    app: Any,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: bytes = b"",
    sink: list[bytes] | None = None,
) -> int:
    """One request straight into the ASGI app; returns the status (and the body into sink)."""
    headers = [(b"host", b"127.0.0.1")]
    if token is not None:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    if body:
        headers.append((b"content-type", b"application/json"))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # no disconnect while the app answers
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif sink is not None and message["type"] == "http.response.body":
            sink.append(message.get("body", b""))

    await app(scope, receive, send)
    return status


async def asgi_json(app: Any, method: str, path: str, token: str, payload: Any) -> Any:
    chunks: list[bytes] = []
    status = await asgi_call(
        app, method, path, token=token, body=json.dumps(payload).encode(), sink=chunks
    )
    if status != 201:
        raise BenchError(f"{method} {path}: HTTP {status}: {b''.join(chunks)[:500]!r}")
    return json.loads(b"".join(chunks))


async def cpu_per_request(
    call: Call, *, requests: int, repeats: int, meter: CpuMeter | None = None
) -> tuple[float, float, dict[str, float]]:
    """(median, min) CPU ms per request over ``repeats`` runs, and the median run's breakdown."""
    runs: list[tuple[float, dict[str, float]]] = []
    for _ in range(repeats):
        if meter is not None:
            meter.totals.clear()
        started = time.process_time()
        for i in range(requests):
            await call(i)
        runs.append((time.process_time() - started, dict(meter.totals) if meter else {}))
    runs.sort(key=lambda run: run[0])
    median_total, breakdown = runs[len(runs) // 2]
    per_request = {label: 1000 * value / requests for label, value in breakdown.items()}
    return 1000 * median_total / requests, 1000 * runs[0][0] / requests, per_request


def checked(call: Callable[[int], Awaitable[int]], wanted: int, what: str) -> Call:
    async def run(i: int) -> int:
        status = await call(i)
        if status != wanted:
            raise BenchError(f"{what}: expected HTTP {wanted}, got {status}")
        return status

    return run


def print_breakdown(title: str, median: float, best: float, parts: dict[str, float]) -> None:
    print(f"\n{title}: {median:.3f} ms CPU/request (median; best run {best:.3f})")
    rest = median
    for label, value in sorted(parts.items(), key=lambda item: -item[1]):
        print(f"  {value:7.3f} ms {100 * value / median:4.0f} %  {label}")
        rest -= value
    if parts:
        print(
            f"  {rest:7.3f} ms {100 * rest / median:4.0f} %  everything else "
            "(middleware, routing, dependencies, validation, serialisation)"
        )


def bench_settings(sqlalchemy_url: str, admin_key: str, log_level: str, **extra: Any) -> Settings:
    """capmatch as in production, every rate-limit budget counted but never refusing (the
    limiter is one of the checks measured)."""
    return Settings(
        database_url=sqlalchemy_url,
        admin_api_key=admin_key,
        environment="production",
        log_level=log_level,
        rate_limit=UNREFUSED_LIMITS["CAPMATCH_RATE_LIMIT"],
        rate_limit_write=UNREFUSED_LIMITS["CAPMATCH_RATE_LIMIT_WRITE"],
        rate_limit_auth_failures=UNREFUSED_LIMITS["CAPMATCH_RATE_LIMIT_AUTH_FAILURES"],
        **extra,
    )


def logs_to(path: Path) -> IO[str]:
    """Production logging writes JSON to stderr: keep the lines (their cost counts) in
    ``path``, not on the screen. The caller closes the file."""
    log_file = path.open("w")
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(log_file)
    return log_file


async def measure(args: argparse.Namespace, dsn: str, sqlalchemy_url: str) -> None:
    admin_key = secrets.token_urlsafe(32)
    app = create_app(bench_settings(sqlalchemy_url, admin_key, args.log_level))
    log_file = logs_to(RESULTS_DIR / "request_cost.log")
    os.environ["BARE_DATABASE_URL"] = dsn
    import bare_app

    bare = bare_app.create_app()
    meter = CpuMeter(totals={})
    skipped = [
        f"{target}.{attribute}"
        for target, attribute, label in ATTRIBUTED
        if not meter.wrap(target, attribute, label)
    ]
    async with app.router.lifespan_context(app), bare.router.lifespan_context(bare):
        partner = await asgi_json(
            app, "POST", "/v1/partners", admin_key, {"name": "Cost", "slug": "cost-bench"}
        )
        organization = await asgi_json(
            app,
            "POST",
            "/v1/organizations",
            partner["api_key"],
            {
                "name": "Cost Weberei",
                "kind": "manufacturer",
                "location": {"lat": 48.49, "lon": 9.21},
                "certifications": [{"code": "en-14683", "valid_until": "2099-12-31"}],
            },
        )
        rows = offer_rows(
            args.offers,
            partner_id=partner["id"],
            organization_id=organization["id"],
            rng=random.Random(7),
        )
        await bulk_load_offers(dsn, rows)
        ids = [row[0] for row in rows]
        key = partner["api_key"]
        capmatch_body, bare_body = build_bodies(organization["id"], partner["id"])
        post_body, bare_post_body = (
            json.dumps(capmatch_body).encode(),
            json.dumps(bare_body).encode(),
        )

        workloads: list[tuple[str, Call, CpuMeter | None]] = [
            (
                "capmatch GET /healthz (middleware only)",
                checked(lambda i: asgi_call(app, "GET", "/healthz"), 200, "capmatch health"),
                None,
            ),
            (
                "capmatch GET /v1/offers/{id}",
                checked(
                    lambda i: asgi_call(app, "GET", f"/v1/offers/{ids[i % len(ids)]}", token=key),
                    200,
                    "capmatch read",
                ),
                meter,
            ),
            (
                "bare GET /offers/{id}",
                checked(
                    lambda i: asgi_call(bare, "GET", f"/offers/{ids[i % len(ids)]}"),
                    200,
                    "bare read",
                ),
                None,
            ),
            (
                "capmatch POST /v1/offers",
                checked(
                    lambda i: asgi_call(app, "POST", "/v1/offers", token=key, body=post_body),
                    201,
                    "capmatch write",
                ),
                meter,
            ),
            (
                "bare POST /offers",
                checked(
                    lambda i: asgi_call(bare, "POST", "/offers", body=bare_post_body),
                    201,
                    "bare write",
                ),
                None,
            ),
        ]
        for _, call, _ in workloads:
            for i in range(50):  # warm caches: statements, prepared statements, pool
                await call(i)
        with_log: dict[str, float] = {}
        for title, call, workload_meter in workloads:
            median, best, parts = await cpu_per_request(
                call, requests=args.requests, repeats=args.repeats, meter=workload_meter
            )
            print_breakdown(title, median, best, parts)
            with_log[title] = median
        if args.access_log_cost:
            await print_access_log_cost(workloads, with_log, args)
        if args.profile:
            await print_profiles(workloads, args)
    log_file.close()
    if skipped:
        print(f"\nnot attributed (no longer in the code): {', '.join(skipped)}")


async def print_access_log_cost(
    workloads: list[tuple[str, Call, CpuMeter | None]],
    with_log: dict[str, float],
    args: argparse.Namespace,
) -> None:
    """The capmatch API workloads again with the access log off: the line's cost."""
    access = logging.getLogger("capmatch.access")
    level = access.level
    access.setLevel(logging.WARNING)
    try:
        print("\naccess log (median CPU ms/request, on - off = cost of the line):")
        for title, call, workload_meter in workloads:
            if workload_meter is None:  # the bare app and /healthz write no access log
                continue
            without, _, _ = await cpu_per_request(
                call, requests=args.requests, repeats=args.repeats
            )
            on = with_log[title]
            print(f"  {title}: {on:.3f} - {without:.3f} = {on - without:+.3f} ms")
    finally:
        access.setLevel(level)


async def print_profiles(
    workloads: list[tuple[str, Call, CpuMeter | None]], args: argparse.Namespace
) -> None:
    """cProfile of each capmatch API workload: the functions with the most own time.

    SQLAlchemy's async API switches greenlets, which confuses cProfile's inclusive
    times (``cumtime``); its own times (``tottime``) stay right, so they are printed.
    """
    for title, call, workload_meter in workloads:
        if workload_meter is None:
            continue
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(args.requests):
            await call(i)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(args.profile)
        print(f"\nprofile of {title}, {args.requests} requests (own time):")
        report = out.getvalue()
        print(report[report.find("ncalls") :])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="capmatch_bench_cost")
    parser.add_argument("--offers", type=int, default=10_000, help="offers to seed")
    parser.add_argument("--requests", type=int, default=300, help="requests per run")
    parser.add_argument("--repeats", type=int, default=5, help="runs per workload (median kept)")
    parser.add_argument("--log-level", default="INFO", help="CAPMATCH_LOG_LEVEL in the app")
    parser.add_argument(
        "--access-log-cost",
        action="store_true",
        help="measure capmatch's GET and POST again with the access log off",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="print cProfile's N functions with the most own time per capmatch workload",
    )
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)
    if "bench" not in args.database:
        parser.error("--database must contain 'bench' (it is dropped and recreated)")
    return on_fresh_database(args, measure)


def on_fresh_database(
    args: argparse.Namespace,
    measure: Callable[[argparse.Namespace, str, str], Coroutine[Any, Any, None]],
) -> int:
    """Recreate ``args.database`` on ``args.server``, migrate it, run ``measure(args, dsn,
    sqlalchemy_url)`` on uvloop, drop it (unless ``args.keep_db``); the exit status."""
    dsn, sqlalchemy_url = database_urls(args.server, args.database)
    RESULTS_DIR.mkdir(exist_ok=True)
    try:
        asyncio.run(recreate_database(args.server, args.database))
        subprocess.run(
            [sys.executable, "-m", "app.cli", "migrate"],
            cwd=REPO_DIR,
            env=os.environ | {"CAPMATCH_DATABASE_URL": sqlalchemy_url},
            check=True,
            timeout=180,
            stdout=subprocess.DEVNULL,
        )
        import uvloop

        uvloop.run(measure(args, dsn, sqlalchemy_url))
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        if not args.keep_db:
            asyncio.run(drop_database(args.server, args.database))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
