"""The background work the lifespan starts, running for real: hold sweeper, idempotency
purge, matching refresh and change-log prune.

The app runs on the real engine with its lifespan entered, its intervals shortened
through Settings; every effect is polled for with a deadline (no fixed sleeps).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.dates import today, utcnow
from app.core.db import Database
from app.main import create_app
from app.matching.values import Want
from app.models import Engagement, IdempotencyRecord, MarketChange, Offer
from tests.engagements.support import engaged, make_deal
from tests.fixtures.database import empty_tables
from tests.fixtures.factories import Market, make_offer, make_organization, make_partner

pytestmark = pytest.mark.committed

INTERVAL_S = 0.05  # every background loop, so effects show within a fraction of a second
DEADLINE_S = 30.0  # generous: the machine is shared; a working loop takes well under 1 s


@pytest.fixture
async def running_app(settings: Settings, engine: AsyncEngine) -> AsyncIterator[FastAPI]:
    fast = settings.model_copy(
        update={
            "engagement_sweep_s": INTERVAL_S,
            "idempotency_purge_s": INTERVAL_S,
            "match_refresh_s": INTERVAL_S,
            "match_change_log_prune_s": INTERVAL_S,
        }
    )
    database = Database(
        engine=engine,
        sessionmaker=async_sessionmaker(engine, expire_on_commit=False),
        autocommit_reads=not settings.is_sqlite,
    )
    app = create_app(fast, database=database)
    try:
        async with app.router.lifespan_context(app):
            yield app
    finally:
        await empty_tables(engine)


@pytest.fixture
async def running_client(running_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=running_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://capmatch.test") as client:
        yield client


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions beside the app's: the writes behind the API's back and the reads after."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll ``check`` until it holds; fail after DEADLINE_S."""
    deadline = time.monotonic() + DEADLINE_S
    while not await check():
        assert time.monotonic() < deadline, f"background work did not happen: {what}"
        await asyncio.sleep(INTERVAL_S)


async def test_a_lapsed_hold_is_expired_and_its_units_freed(
    running_client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    client = running_client
    a, b = await make_partner(client), await make_partner(client)
    market = Market(
        a=a,
        b=b,
        a1=await make_organization(client, a),
        a2=await make_organization(client, a),
        b1=await make_organization(client, b),
        b2=await make_organization(client, b),
    )
    deal = await make_deal(client, market)
    engagement = await engaged(client, deal, 100)
    async with sessions() as session:
        assert (
            await session.scalar(select(Offer.held_quantity).where(Offer.id == deal.offer["id"]))
            == 100
        )
        # The hold lapses: no endpoint is called from here on.
        await session.execute(
            update(Engagement)
            .where(Engagement.id == engagement["id"])
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        await session.commit()

    async def swept() -> bool:
        async with sessions() as session:
            status = await session.scalar(
                select(Engagement.status).where(Engagement.id == engagement["id"])
            )
            held = await session.scalar(
                select(Offer.held_quantity).where(Offer.id == deal.offer["id"])
            )
        return status == "expired" and held == 0

    await eventually(swept, "the lapsed hold expired and its units freed")


async def test_expired_idempotency_records_are_purged(
    running_app: FastAPI, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ttl = timedelta(hours=running_app.state.settings.idempotency_ttl_hours)
    async with sessions() as session:
        for key, age in (("old", ttl + timedelta(minutes=1)), ("fresh", timedelta(0))):
            session.add(
                IdempotencyRecord(
                    scope="key_test", key=key, fingerprint="0" * 64, created_at=utcnow() - age
                )
            )
        await session.commit()

    async def keys_left() -> set[str]:
        async with sessions() as session:
            return set((await session.execute(select(IdempotencyRecord.key))).scalars())

    async def purged() -> bool:
        return "old" not in await keys_left()

    await eventually(purged, "the idempotency record past its TTL purged")
    assert await keys_left() == {"fresh"}  # what is within the TTL stays


async def test_an_offer_written_in_sql_reaches_the_index_without_a_match_call(
    running_app: FastAPI,
    running_client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    partner = await make_partner(running_client)
    organization = await make_organization(running_client, partner)
    offer = await make_offer(running_client, organization, status="draft")
    feed = running_app.state.match_feed
    want = Want(
        skills=("textile.sewing",),
        products=(),
        quantity=1000,
        needed_by=today() + timedelta(days=70),
        lat=48.7758,
        lon=9.1829,
        today=today(),
    )

    async def indexed() -> bool:
        if feed.index is None:
            return False
        found = feed.index.search(want, running_app.state.taxonomy, limit=100)
        return offer["id"] in {match.offer_id for match in found}

    async def set_status(status: str) -> None:
        async with sessions() as session:
            await session.execute(
                update(Offer).where(Offer.id == offer["id"]).values(status=status)
            )
            await session.commit()

    async def not_indexed() -> bool:
        return feed.index is not None and not await indexed()

    await eventually(not_indexed, "the index loaded, without the draft")
    await set_status("active")  # behind the API's back: only the change log sees it
    await eventually(indexed, "the offer activated in SQL is in the index")
    await set_status("paused")
    await eventually(not_indexed, "the offer paused in SQL left the index")


async def test_old_change_log_entries_are_pruned(
    running_app: FastAPI, sessions: async_sessionmaker[AsyncSession]
) -> None:
    keep = timedelta(hours=running_app.state.settings.match_change_log_hours)
    async with sessions() as session:
        for object_id, age in (("off_old", keep + timedelta(minutes=1)), ("off_new", keep / 2)):
            session.add(MarketChange(kind="offer", object_id=object_id, created_at=utcnow() - age))
        await session.commit()

    async def logged() -> set[str]:
        async with sessions() as session:
            return set((await session.execute(select(MarketChange.object_id))).scalars())

    async def pruned() -> bool:
        return "off_old" not in await logged()

    await eventually(pruned, "the change-log entry past its hours pruned")
    assert "off_new" in await logged()  # what is within the hours stays
