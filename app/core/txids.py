"""Transaction ids (PostgreSQL): how a log read by many never skips a late commit."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Which transactions a PostgreSQL snapshot sees as finished: every id below ``xmax``
    except those in ``running``. A row written by a transaction outside that set (at or
    above ``xmax``, or in ``running``) is news to a reader that last looked with this
    snapshot; every other row it has seen already."""

    xmax: int
    running: frozenset[int]


async def current_snapshot(session: AsyncSession) -> tuple[Snapshot, int | None]:
    """The session's snapshot now, and its own transaction's id if it has written. A
    transaction sees its own writes, but they are not finished: the snapshot counts it as
    running, so a reader keeps reading its rows (and must skip those it has applied)."""
    row = (
        await session.execute(
            text(
                "SELECT pg_snapshot_xmax(snap)::text::bigint,"
                " ARRAY(SELECT xid::text::bigint FROM pg_snapshot_xip(snap) AS xid),"
                " pg_current_xact_id_if_assigned()::text::bigint"
                " FROM pg_current_snapshot() AS snap"
            )
        )
    ).one()
    own = None if row[2] is None else int(row[2])
    running = frozenset(int(xid) for xid in row[1]) | ({own} if own is not None else set())
    return Snapshot(int(row[0]), running), own
