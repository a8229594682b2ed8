"""A committed market change wakes every worker's matching index at once (the ``market``
notice), instead of waiting for its next poll."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.background import Stop
from app.core.notices import Notices, RedisNotices
from app.matching.feed import MatchFeed
from app.matching.index import MatchIndex
from app.matching.notify import MARKET_CHANGED
from app.matching.snapshot import SnapshotStore
from tests.fixtures.factories import Market, make_offer

NEVER_S = 600.0  # the poll interval here: only a notice can make the index catch up


def holds(feed: MatchFeed, offer_id: str) -> bool:
    index: MatchIndex | None = feed.index
    return index is not None and any(
        candidates.row_of(offer_id) is not None for candidates, _ in index.parts()
    )


async def eventually(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the index did not catch up in time")


@asynccontextmanager
async def following(
    sessions: async_sessionmaker[AsyncSession],
    *,
    notices: Notices | None = None,
    snapshots: SnapshotStore | None = None,
    refresh_s: float = NEVER_S,
) -> AsyncIterator[MatchFeed]:
    """A feed following in the background as ``capmatch serve`` starts it (preloading),
    once loaded; by default it polls only when a notice tells it to."""
    feed = MatchFeed(refresh_s=refresh_s, notices=notices, snapshots=snapshots)
    stop = Stop()
    task = asyncio.create_task(
        feed.follow(sessions, preload=True, keep_hours=24, prune_s=NEVER_S, stop=stop)
    )
    try:
        await eventually(lambda: feed.index is not None and not feed.loading)
        yield feed
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_a_write_wakes_the_index_of_its_own_worker(
    app: FastAPI,
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with following(session_factory, notices=app.state.notices) as feed:
        await asyncio.sleep(0.1)  # the first poll is over; the next waits NEVER_S
        offer = await make_offer(client, market.a1)
        await eventually(lambda: holds(feed, offer["id"]))


async def test_a_notice_over_redis_wakes_another_workers_index(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
    redis_url: str,
) -> None:
    """The writing worker's notice reaches this one through Redis (the test app itself
    sends its notices in-process, so the other worker's publish is made by hand)."""
    writer, reader = RedisNotices(redis_url), RedisNotices(redis_url)
    stop = Stop()
    listening = asyncio.create_task(reader.listen(stop))
    try:
        async with following(session_factory, notices=reader) as feed:
            await asyncio.wait_for(reader.subscribed.wait(), 5)
            await asyncio.sleep(0.1)  # the poll that subscribing started is over
            offer = await make_offer(client, market.a1)
            await asyncio.sleep(0.2)
            assert not holds(feed, offer["id"])  # no notice yet: nothing caught up
            await writer.publish(MARKET_CHANGED)
            await eventually(lambda: holds(feed, offer["id"]))
    finally:
        stop.set()
        await asyncio.wait_for(listening, 10)
        await writer.client.aclose()
