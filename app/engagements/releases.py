"""Pending holds given back without a party acting: lapsed ones (expiry), and those of
an offer or a request that stopped taking work (the system cancels them).

Set-based: one UPDATE closes the engagements, one INSERT writes their history, one
relative UPDATE per offer gives the units back. Lock order as everywhere (request,
offers, engagements): every function here runs with the offers locked or locks them
first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dates import utcnow
from app.core.events import publish
from app.engagements.events import EngagementsChanged
from app.engagements.repository import EngagementRepository
from app.offers.rules import CapacityChange
from app.offers.service import lock_offers, move_capacity

LAPSED_NOTE = "the hold lapsed"
SWEEP_BATCH = 500  # offers per round of the sweep


async def expire_lapsed(session: AsyncSession, *, offer_id: str, now: datetime) -> int:
    """Expire the offer's pending holds past ``expires_at`` (the caller holds the offer's
    lock) and give their units back; how many expired."""
    rows = await EngagementRepository(session).close_pending(
        offer_ids=[offer_id], now=now, lapsed_only=True
    )
    await _give_back(session, rows, note=LAPSED_NOTE, now=now)
    return len(rows)


async def expire_lapsed_holds(session: AsyncSession, *, batch: int = SWEEP_BATCH) -> int:
    """The periodic sweep: every pending hold past its expiry, a batch of offers at a time.

    Offers another transaction has locked are skipped rather than waited for (the sweep
    then never takes part in a lock queue); the next sweep picks them up.
    """
    repository = EngagementRepository(session)
    expired = 0
    while True:
        now = utcnow()
        lapsing = await repository.offers_with_lapsed_holds(now, limit=batch)
        locked = await lock_offers(session, lapsing, skip_locked=True) if lapsing else []
        rows = (
            await repository.close_pending(offer_ids=locked, now=now, lapsed_only=True)
            if locked
            else []
        )
        if not rows:
            return expired
        await _give_back(session, rows, note=LAPSED_NOTE, now=now)
        expired += len(rows)


async def release_holds_of_offers(
    session: AsyncSession, offer_ids: Sequence[str], *, note: str
) -> int:
    """Close every pending engagement of these offers (locked by whoever changed them):
    live holds read ``cancelled`` by the system with ``note``, lapsed ones ``expired``."""
    now = utcnow()
    rows = await EngagementRepository(session).close_pending(offer_ids=offer_ids, now=now)
    await _give_back(session, rows, note=note, now=now)
    return len(rows)


async def release_holds_of_requests(
    session: AsyncSession, request_ids: Sequence[str], *, note: str
) -> int:
    """As ``release_holds_of_offers``, for the pending engagements of these requests (locked
    by whoever closed them): their offers are locked next, before the engagement rows."""
    now = utcnow()
    repository = EngagementRepository(session)
    # No new hold can join meanwhile: creating one locks its request first.
    await lock_offers(session, await repository.offers_held_for(request_ids))
    rows = await repository.close_pending(request_ids=request_ids, now=now)
    await _give_back(session, rows, note=note, now=now)
    return len(rows)


async def _give_back(
    session: AsyncSession, rows: Sequence[Row[str, str, int, str]], *, note: str, now: datetime
) -> None:
    """History of the closed holds, then their units back to each offer (in id order)."""
    if not rows:
        return
    await EngagementRepository(session).record_system(
        ((row.id, row.status, LAPSED_NOTE if row.status == "expired" else note) for row in rows),
        from_status="pending",
        now=now,
    )
    released: dict[str, int] = {}
    for row in rows:
        released[row.offer_id] = released.get(row.offer_id, 0) + row.quantity
    for offer_id in sorted(released):
        await move_capacity(session, offer_id, CapacityChange(held=-released[offer_id]))
    for status in sorted({row.status for row in rows}):
        ids = tuple(row.id for row in rows if row.status == status)
        await publish(session, EngagementsChanged(engagement_ids=ids, type=f"engagement.{status}"))
