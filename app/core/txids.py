"""Transaction ids (PostgreSQL): how a log read by many never skips a late commit."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


def tracks_transactions(session: AsyncSession) -> bool:
    """PostgreSQL logs the writing transaction's id with each change-log or outbox row.

    Ids of transactions still running are never below a snapshot's xmin, so a reader that
    takes only rows of transactions below its xmin, or re-reads from its last xmin, cannot
    pass a row that commits late. SQLite has one writer at a time: rows commit in the
    order they are numbered, and the number alone is a safe position.
    """
    return session.get_bind().dialect.name == "postgresql"


async def snapshot_xmin(session: AsyncSession) -> int:
    """The oldest transaction still running as seen now (PostgreSQL)."""
    xmin = await session.scalar(
        text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
    )
    return int(xmin)


async def snapshot_xmin_and_own_txid(session: AsyncSession) -> tuple[int, int | None]:
    """``snapshot_xmin`` and this transaction's id if it has written (PostgreSQL; None for a
    pure reader), in one round trip."""
    row = (
        await session.execute(
            text(
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint,"
                " pg_current_xact_id_if_assigned()::text::bigint"
            )
        )
    ).one()
    return int(row[0]), None if row[1] is None else int(row[1])
