"""The in-transaction domain events: subscribers run at once, inside the publisher's
transaction, and a subscriber that refuses fails the publisher."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.core.events import DomainEvent, publish, subscribe, subscribers_of


@dataclass(frozen=True, slots=True, kw_only=True)
class Happened(DomainEvent):
    what: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HappenedLoudly(Happened):
    volume: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Refused(DomainEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class Recorded(DomainEvent):
    what: str


seen: list[str] = []


async def note(_session: AsyncSession, event: Happened) -> None:
    seen.append(f"note:{event.what}")


async def shout(_session: AsyncSession, event: HappenedLoudly) -> None:
    seen.append(f"shout:{event.volume}")


async def write_a_row(session: AsyncSession, event: Recorded) -> None:
    await session.execute(
        text("INSERT INTO event_probe (what) VALUES (:what)"), {"what": event.what}
    )


async def refuse(_session: AsyncSession, _event: Refused) -> None:
    raise ValueError("refused by a subscriber")


subscribe(Happened, note)
subscribe(HappenedLoudly, shout)
subscribe(Refused, refuse)
subscribe(Recorded, write_a_row)


@pytest.fixture(autouse=True)
def forget_what_was_seen() -> None:
    seen.clear()


def test_subscribing_twice_registers_once_and_base_types_are_included() -> None:
    subscribe(Happened, note)
    assert subscribers_of(Happened) == [note]
    # A subclass event reaches its own subscribers first, then its base's.
    assert subscribers_of(HappenedLoudly) == [shout, note]
    assert subscribers_of(DomainEvent) == []


async def test_subscribers_run_at_publish_in_order(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as session:
        await publish(session, Happened(what="closed"))
        assert seen == ["note:closed"]
        await publish(session, HappenedLoudly(what="paused", volume=11))
        assert seen == ["note:closed", "shout:11", "note:paused"]


async def test_nothing_keeps_an_event_after_its_subscribers_ran(engine: AsyncEngine) -> None:
    # An import publishes an event per row; one kept per row held the whole file's
    # resources in memory until the commit.
    event = Happened(what="closed")
    references = sys.getrefcount(event)
    async with AsyncSession(engine) as session:
        await publish(session, event)
        assert sys.getrefcount(event) == references
        assert session.info == {}


async def test_a_refusing_subscriber_fails_the_publisher(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as session:
        with pytest.raises(ValueError, match="refused by a subscriber"):
            await publish(session, Refused())


async def test_a_reaction_commits_and_rolls_back_with_the_change(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE IF NOT EXISTS event_probe (what TEXT)"))
    try:
        async with AsyncSession(engine) as session:
            async with session.begin():
                await publish(session, Recorded(what="kept"))
            rolled_back = await session.begin()
            await publish(session, Recorded(what="undone"))
            await rolled_back.rollback()
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT what FROM event_probe"))).scalars()
            assert list(rows) == ["kept"]
    finally:
        async with engine.begin() as connection:
            await connection.execute(text("DROP TABLE event_probe"))
