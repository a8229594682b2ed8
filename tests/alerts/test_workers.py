"""With several workers, each computes the same alerts; exactly one emits each. The
lifespan's loops alone deliver an alert within 2 s of the change (no traffic needed)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.alerts.engine import AlertEngine
from app.matching.feed import MatchFeed
from tests.alerts.support import alerts_written, settle_worker
from tests.fixtures.factories import make_offer, make_organization, make_partner, make_request

pytestmark = pytest.mark.committed


async def test_two_workers_emit_one_alert(
    committed_app: FastAPI, committed_client: httpx.AsyncClient
) -> None:
    sessions = committed_app.state.database.sessionmaker
    taxonomy = committed_app.state.taxonomy
    workers = [(feed, AlertEngine(feed, taxonomy)) for feed in (MatchFeed(), MatchFeed())]
    for feed, alerts in workers:
        await settle_worker(feed, alerts, sessions)  # loaded before the changes
    buyer = await make_organization(committed_client, await make_partner(committed_client))
    seller = await make_organization(committed_client, await make_partner(committed_client))
    request = await make_request(committed_client, buyer)
    for feed, alerts in workers:
        assert await settle_worker(feed, alerts, sessions) == 0
    offer = await make_offer(committed_client, seller)

    for feed, _ in workers:  # both apply the same change batch ...
        async with sessions() as session:
            await feed.current(session)
            await session.commit()
    assert all(alerts.pending for _, alerts in workers)
    # ... and flush at the same time: exactly one insert of the pair wins.
    emitted = await asyncio.gather(*(alerts.flush(sessions) for _, alerts in workers))
    assert sorted(emitted) == [0, 1]
    [event] = await alerts_written(sessions)
    assert event.type == "match.found"
    assert event.data["object"]["request_id"] == request["id"]
    assert event.data["object"]["offer_id"] == offer["id"]


async def test_the_background_loops_alert_within_two_seconds(
    committed_app: FastAPI, committed_client: httpx.AsyncClient
) -> None:
    sessions = committed_app.state.database.sessionmaker
    async with committed_app.router.lifespan_context(committed_app):
        deadline = time.monotonic() + 10
        while committed_app.state.match_feed.index is None:  # the worker's first load
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        buyer = await make_organization(committed_client, await make_partner(committed_client))
        seller = await make_organization(committed_client, await make_partner(committed_client))
        await make_request(committed_client, buyer)
        await make_offer(committed_client, seller)
        committed = time.monotonic()
        found: list[Any] = []
        while not found and time.monotonic() - committed < 2.0:
            await asyncio.sleep(0.05)
            found = await alerts_written(sessions)
    assert [event.type for event in found] == ["match.found"]
