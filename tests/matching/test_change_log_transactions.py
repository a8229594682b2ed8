"""The change log read by transaction snapshot (PostgreSQL): a change that commits after a
later one is never missed, and a transaction left open does not make every poll read
the whole log again (``app.matching.feed``, module docstring)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.core.config import Settings
from app.core.txids import Snapshot, current_snapshot
from app.matching.repository import changes_after_snapshot
from tests.fixtures.database import empty_tables

pytestmark = pytest.mark.committed


@pytest.fixture
async def engine_pg(settings: Settings, engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    if settings.is_sqlite:
        pytest.skip("SQLite has one writer at a time: its log is read by sequence number")
    try:
        yield engine
    finally:
        await empty_tables(engine)


async def write_change(connection: AsyncConnection, object_id: str) -> None:
    """One log entry, as the triggers write it, in the connection's transaction."""
    await connection.execute(
        text(
            "INSERT INTO market_changes (kind, object_id, txid)"
            " VALUES ('offer', :id, pg_current_xact_id()::text::bigint)"
        ),
        {"id": object_id},
    )


async def poll(engine: AsyncEngine, last: Snapshot) -> tuple[Snapshot, list[str]]:
    """One poll as the feed makes it: the snapshot first, then the news since ``last``."""
    async with AsyncSession(engine) as session, session.begin():
        now, _ = await current_snapshot(session)
        rows: Sequence[object] = await changes_after_snapshot(session, last.xmax, last.running)
    return now, [row.object_id for row in rows]  # type: ignore[attr-defined]


async def test_a_late_commit_is_read_once_and_an_open_transaction_costs_no_rereads(
    engine_pg: AsyncEngine,
) -> None:
    async with AsyncSession(engine_pg) as session, session.begin():
        start, _ = await current_snapshot(session)

    async with engine_pg.connect() as long_running:
        await long_running.begin()
        await write_change(long_running, "off_late")  # written first, committed last
        async with engine_pg.begin() as quick:
            await write_change(quick, "off_quick")

        first, news = await poll(engine_pg, start)
        assert news == ["off_quick"]  # the open transaction's entry is invisible yet
        second, news = await poll(engine_pg, first)
        assert news == []  # read once: the open transaction does not bring it back
        await long_running.commit()

    _, news = await poll(engine_pg, second)
    assert news == ["off_late"]  # committed after a later entry, and not missed
