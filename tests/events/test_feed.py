"""The feed's cursor never passes an event: not one whose transaction commits late, not one
of many writers committing at once (committed transactions on the real engine)."""

from __future__ import annotations

import asyncio
import random

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.dependencies import ADMIN
from app.events import feed
from app.events.outbox import Party, ResourceChanged, record

WRITERS = 8
EVENTS_PER_WRITER = 25
# PostgreSQL's xmin is the whole cluster's: a transaction open elsewhere (another test
# worker's) holds the feed back until it ends. Held back, never lost: wait for it.
SETTLE_S = 60.0


def change(name: str) -> ResourceChanged:
    return ResourceChanged(type="offer.created", object={"id": name}, owner=Party("par_feed"))


async def read_all(
    sessions: async_sessionmaker[AsyncSession], after: str | None
) -> tuple[list[str], str | None]:
    """The objects of every event the feed serves now after ``after``, and the new cursor."""
    names: list[str] = []
    while True:
        async with sessions() as session, session.begin():
            page = await feed.read_page(
                session, principal=ADMIN, after=after, types=feed.TypeFilter(), limit=100
            )
        names.extend(event.data["object"]["id"] for event in page.data)
        after = page.next_cursor
        if not page.has_more:
            return names, after


@pytest.mark.committed
async def test_an_event_that_commits_late_is_served_not_skipped(committed_app: FastAPI) -> None:
    sessions = committed_app.state.database.sessionmaker
    async with sessions() as probe:
        if probe.get_bind().dialect.name != "postgresql":
            pytest.skip("SQLite has one writer at a time: nothing commits out of order")
    async with sessions() as slow:
        await slow.begin()
        await record(slow, change("late"))  # the older transaction, still open
        async with sessions() as quick, quick.begin():
            await record(quick, change("early"))
        seen, cursor = await read_all(sessions, None)
        # Serving "early" now would move the cursor past "late" for good.
        assert seen == []
        await slow.commit()
    seen = []
    async with asyncio.timeout(SETTLE_S):
        while len(seen) < 2:
            names, cursor = await read_all(sessions, cursor)
            seen.extend(names)
    assert seen == ["late", "early"]
    assert (await read_all(sessions, cursor))[0] == []


@pytest.mark.committed
async def test_a_follower_misses_nothing_while_eight_writers_commit(
    committed_app: FastAPI,
) -> None:
    sessions = committed_app.state.database.sessionmaker
    written = {f"w{writer}-{n}" for writer in range(WRITERS) for n in range(EVENTS_PER_WRITER)}
    rng = random.Random(20261129)

    async def writer(index: int) -> None:
        for n in range(EVENTS_PER_WRITER):
            async with sessions() as session, session.begin():
                await record(session, change(f"w{index}-{n}"))
                await asyncio.sleep(rng.random() * 0.004)

    seen: list[str] = []
    cursor: str | None = None

    async def follower(done: asyncio.Event) -> None:
        nonlocal cursor
        while True:
            finished = done.is_set()
            names, cursor = await read_all(sessions, cursor)
            seen.extend(names)
            if finished and len(seen) >= len(written):
                return
            await asyncio.sleep(0.002)

    done = asyncio.Event()
    following = asyncio.create_task(follower(done))
    await asyncio.gather(*(writer(index) for index in range(WRITERS)))
    done.set()
    # A skipped event would never come: the follower would wait until the timeout.
    async with asyncio.timeout(SETTLE_S):
        await following
    assert len(seen) == len(set(seen)), "an event was served twice"
    assert set(seen) == written
