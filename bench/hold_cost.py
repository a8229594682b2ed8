"""Where capmatch's CPU goes on a hold (``POST /v1/requests/{id}/engagements``).

``engagements.py`` says how many holds a second capmatch takes under contention; this
script says what one costs and where that goes, as ``request_cost.py`` does for the
CRUD routes. It calls the ASGI app directly (no HTTP, no uvicorn, one hold at a time,
PostgreSQL) and measures process CPU per hold, split by the steps of the hold (each
line is the inclusive CPU of one step, its SQL round trips included). The baseline of
the same run is ``GET /healthz`` (every middleware, nothing else) and a plain
authenticated read, ``GET /v1/offers/{id}``.

The background work a hold sets off (the matching index catching up, alerts, webhook
fan-out) is not in the breakdown: the matching feed is stopped for the measured runs,
and its catch-up after a batch of holds is measured on its own ("catch-up per hold").

    /tmp/venv/bin/python bench/hold_cost.py                  # from the repository root
    /tmp/venv/bin/python bench/hold_cost.py --holds 500 --profile 30
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import secrets
import time
from typing import Any

from api_read_write import RESULTS_DIR
from engagements import offer_body, organization_body, request_body
from request_cost import (
    CpuMeter,
    asgi_call,
    asgi_json,
    bench_settings,
    checked,
    cpu_per_request,
    logs_to,
    on_fresh_database,
    print_breakdown,
)

from app.core.db import begin_read
from app.main import create_app

# (module or class path, attribute, label): the steps of a hold, none inside another.
STEPS = (
    ("app.auth.repository:ApiKeyRepository", "find_usable", "API-key lookup (auth query)"),
    ("app.engagements.service", "get_owned_request_row", "request SELECT ... FOR UPDATE"),
    ("app.engagements.service", "get_visible_offer", "offer SELECT by id + visibility"),
    ("app.engagements.service", "check_fit", "fit check (request's filters)"),
    (
        "app.engagements.repository:EngagementRepository",
        "engaged_for_request",
        "request's engaged units (SUM)",
    ),
    ("app.engagements.service", "_hold", "offer UPDATE (conditional hold)"),
    ("app.engagements.repository:EngagementRepository", "held_by_buyer", "buyer's held units"),
    ("app.engagements.repository:EngagementRepository", "add", "engagement INSERT"),
    ("app.engagements.repository:EngagementRepository", "record", "history row (queued)"),
    (
        "app.engagements.service",
        "publish",
        "event: history flush, outsider's view, outbox, webhooks, market notice",
    ),
    ("app.engagements.views", "engagement_views", "the answer's view (caller's sides)"),
    ("sqlalchemy.ext.asyncio:AsyncSession", "commit", "COMMIT"),
    ("sqlalchemy.ext.asyncio:AsyncSession", "close", "session close (connection to pool)"),
)


async def measure(args: argparse.Namespace, _dsn: str, sqlalchemy_url: str) -> None:
    admin_key = secrets.token_urlsafe(32)
    app = create_app(bench_settings(sqlalchemy_url, admin_key, args.log_level, match_preload=False))
    feed = app.state.match_feed

    async def stopped_follow(*_: Any, **__: Any) -> None:
        """The feed's loop, stopped: its catch-up is measured on its own below."""
        await asyncio.Event().wait()

    feed.follow = stopped_follow
    log_file = logs_to(RESULTS_DIR / "hold_cost.log")
    meter = CpuMeter(totals={})
    skipped = [f"{t}.{a}" for t, a, label in STEPS if not meter.wrap(t, a, label)]
    async with app.router.lifespan_context(app):
        suffix = secrets.token_hex(3)
        maker = await asgi_json(
            app, "POST", "/v1/partners", admin_key, {"name": "M", "slug": f"m-{suffix}"}
        )
        buyer = await asgi_json(
            app, "POST", "/v1/partners", admin_key, {"name": "B", "slug": f"b-{suffix}"}
        )
        factory = await asgi_json(
            app, "POST", "/v1/organizations", maker["api_key"], organization_body("W", 48.5, 9.2)
        )
        offers = [
            (
                await asgi_json(
                    app, "POST", "/v1/offers", maker["api_key"], offer_body(factory["id"], 10**9)
                )
            )["id"]
            for _ in range(args.offers)
        ]
        clinic = await asgi_json(
            app, "POST", "/v1/organizations", buyer["api_key"], organization_body("K", 48.0, 9.0)
        )
        request = await asgi_json(
            app, "POST", "/v1/requests", buyer["api_key"], request_body(clinic["id"], 10**9)
        )
        path = f"/v1/requests/{request['id']}/engagements"
        key = buyer["api_key"]

        async def hold(i: int) -> int:
            body = f'{{"offer_id": "{offers[i % len(offers)]}", "quantity": 1}}'.encode()
            return await asgi_call(app, "POST", path, token=key, body=body)

        async def read(i: int) -> int:
            return await asgi_call(app, "GET", f"/v1/offers/{offers[i % len(offers)]}", token=key)

        workloads = [
            (
                "capmatch GET /healthz (middleware only)",
                checked(lambda i: asgi_call(app, "GET", "/healthz"), 200, "health"),
                None,
            ),
            ("capmatch GET /v1/offers/{id}", checked(read, 200, "read"), None),
            ("capmatch POST /v1/requests/{id}/engagements", checked(hold, 201, "hold"), meter),
        ]
        for _, call, _ in workloads:
            for i in range(50):  # warm caches: statements, prepared statements, pool
                await call(i)
        for title, call, workload_meter in workloads:
            median, best, parts = await cpu_per_request(
                call, requests=args.holds, repeats=args.repeats, meter=workload_meter
            )
            print_breakdown(title, median, best, parts)
        await print_catch_up(app, feed, hold, args.holds)
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for i in range(args.holds):
                await hold(i)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.profile)
            report = out.getvalue()
            print(f"\nprofile of {args.holds} holds (own time):\n{report[report.find('ncalls') :]}")
    log_file.close()
    if skipped:
        print(f"\nnot attributed (no longer in the code): {', '.join(skipped)}")


async def print_catch_up(app: Any, feed: Any, hold: Any, holds: int) -> None:
    """CPU of the matching index's catch-up per hold: one batch of ``holds`` holds, then
    one catch-up (as a busy server does: one poll applies many changes), and one hold
    per catch-up (as an idle server does)."""
    sessions = app.state.database.sessionmaker

    async def catch_up() -> float:
        started = time.process_time()
        async with sessions() as session:
            await begin_read(session)
            feed._last_poll_started = float("-inf")  # this call must poll
            await feed.current(session)
            await session.commit()
        return time.process_time() - started

    await catch_up()  # the first load
    for i in range(holds):
        await hold(i)
    batched = await catch_up()
    single = []
    for i in range(20):
        await hold(i)
        single.append(await catch_up())
    single.sort()
    print(
        f"\nmatching catch-up: {1000 * batched / holds:.3f} ms CPU per hold in a batch of "
        f"{holds}; {1000 * single[len(single) // 2]:.3f} ms for a catch-up after each hold"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="capmatch_bench_hold_cost")
    parser.add_argument("--offers", type=int, default=20, help="offers the holds go round")
    parser.add_argument("--holds", type=int, default=300, help="holds per run")
    parser.add_argument("--repeats", type=int, default=5, help="runs per workload (median)")
    parser.add_argument("--log-level", default="WARNING", help="CAPMATCH_LOG_LEVEL in the app")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="print cProfile's N functions with the most own time",
    )
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)
    if "bench" not in args.database:
        parser.error("--database must contain 'bench' (it is dropped and recreated)")
    return on_fresh_database(args, measure)


if __name__ == "__main__":
    raise SystemExit(main())
