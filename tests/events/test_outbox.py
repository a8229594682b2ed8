"""The outbox records a change in the change's own transaction: committed together or not
at all, and announced to whoever reacts to stored events."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.events import subscribe, unsubscribe
from app.events.metrics import WRITTEN
from app.events.outbox import Actor, EventWritten, Party, ResourceChanged, record
from app.models import Event

CHANGE = ResourceChanged(
    type="offer.created",
    object={"id": "off_1", "title": "Line"},
    owner=Party("par_1", "org_1"),
    counterpart=Party("par_2", "org_2"),
    actor=Actor("partner", "key_1"),
)


async def test_a_change_is_recorded_with_its_parties(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    written: list[EventWritten] = []

    async def keep(_session: AsyncSession, event: EventWritten) -> None:
        written.append(event)

    subscribe(EventWritten, keep)
    try:
        async with session_factory() as session, session.begin():
            await record(session, CHANGE)
            row = (await session.execute(select(Event))).scalar_one()
    finally:
        unsubscribe(EventWritten, keep)
    assert (row.type, row.partner_id, row.organization_id) == ("offer.created", "par_1", "org_1")
    assert (row.counterpart_partner_id, row.counterpart_organization_id) == ("par_2", "org_2")
    assert row.data == {"object": {"id": "off_1", "title": "Line"}}
    assert row.actor == {"kind": "partner", "key_id": "key_1"}
    assert row.id.startswith("evt_")
    assert (row.txid is not None) == (session.get_bind().dialect.name == "postgresql")
    [announced] = written
    assert announced.body["id"] == row.id
    assert announced.body["data"] == row.data


async def test_a_rolled_back_change_leaves_no_event(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async def change_that_fails() -> None:
        async with session_factory() as session, session.begin():
            await record(session, CHANGE)
            raise RuntimeError("the change fails after its event was appended")

    with pytest.raises(RuntimeError):
        await change_that_fails()
    async with session_factory() as session:
        assert (await session.execute(select(Event))).first() is None


def written(registry: CollectorRegistry, type: str) -> float:
    return registry.get_sample_value("capmatch_events_written_total", {"type": type}) or 0.0


async def test_written_events_are_counted_once_committed(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    registry = CollectorRegistry()
    registry.register(WRITTEN)
    before = written(registry, "offer.created")

    async def rolled_back() -> None:
        async with session_factory() as session, session.begin():
            await record(session, CHANGE)
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        await rolled_back()
    assert written(registry, "offer.created") == before
    async with session_factory() as session:
        async with session.begin():
            await record(session, CHANGE)
            await record(session, CHANGE)
        async with session.begin():
            await record(session, CHANGE)
    assert written(registry, "offer.created") == before + 3
