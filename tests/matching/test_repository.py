"""The change log the workers follow: pruning never takes the newest entry."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.dates import utcnow
from app.matching import repository
from app.models import MarketChange


async def test_pruning_keeps_the_newest_change_so_numbering_goes_on(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        old = utcnow() - timedelta(days=3)
        for object_id in ("off_a", "off_b", "off_c"):
            session.add(MarketChange(kind="offer", object_id=object_id, created_at=old))
        await session.flush()
        newest = await repository.last_change_seq(session)

        await repository.prune_changes(session, before=utcnow())

        left = (await session.execute(select(MarketChange.seq, MarketChange.object_id))).all()
        assert [(row.seq, row.object_id) for row in left] == [(newest, "off_c")]
        # A change written after the prune is numbered after every position handed out.
        session.add(MarketChange(kind="offer", object_id="off_d", created_at=utcnow()))
        await session.flush()
        latest = await session.scalar(select(func.max(MarketChange.seq)))
        assert latest is not None
        assert latest > newest
