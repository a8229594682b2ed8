"""Keep a worker's matching index in step with the database.

Writes to offers, organisations and their certifications append to
``market_changes`` through database triggers, whatever code path wrote them.
Every worker follows that log: before each matching call (read-your-writes, also
across workers) and every ``match_refresh_s`` in the background. A restart loads
the index afresh. The cursor is taken *before* a load and changes are replayed
from it, so a write racing the load is never lost (reloading an offer twice is
harmless).

On PostgreSQL the log is read by writing transaction id: a transaction still
running has an id >= the snapshot's xmin, so re-reading from the last xmin cannot
miss a change that commits after a later one. SQLite has one writer at a time, so
the sequence number is already in commit order.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dates import today, utcnow
from app.core.memory import release_free_memory
from app.matching.candidates import Candidates, CandidatesBuilder
from app.matching.index import MatchIndex
from app.matching.values import HeldCertification, OfferRecord
from app.models import MarketChange, Offer, OrganizationCertification

logger = logging.getLogger("capmatch.matching")

LOAD_BATCH = 1_000  # offers per page of the initial load
OFFER_COLUMNS = (
    Offer.id,
    Offer.organization_id,
    Offer.partner_id,
    Offer.lat,
    Offer.lon,
    Offer.skills,
    Offer.products,
    Offer.capacity_unit,
    Offer.capacity_per_week,
    Offer.capacity_total,
    Offer.reserved_quantity,
    Offer.held_quantity,
    Offer.available_from,
    Offer.available_until,
    Offer.lead_time_days,
    Offer.min_order_quantity,
    Offer.service_radius_km,
    Offer.visibility,
    Offer.status,
    Offer.region,
)
Certifications = dict[str, HeldCertification]


def offer_record(row: Any, held: Certifications) -> OfferRecord:
    return OfferRecord(
        id=row.id,
        lat=row.lat,
        lon=row.lon,
        skills=tuple(row.skills),
        products=tuple(row.products),
        capacity_per_week=row.capacity_per_week,
        available_from=row.available_from,
        available_until=row.available_until,
        capacity_total=row.capacity_total,
        # Held (pending engagements) counts as taken: matches rank remaining capacity.
        reserved_quantity=row.reserved_quantity + row.held_quantity,
        lead_time_days=row.lead_time_days,
        min_order_quantity=row.min_order_quantity,
        service_radius_km=row.service_radius_km,
        certifications=held,
        organization_id=row.organization_id,
        partner_id=row.partner_id,
        shared=row.visibility == "shared",
        unit=row.capacity_unit,
        region=row.region,
    )


def matchable(row: Any, on: date) -> bool:
    return bool(row.status == "active" and row.available_until >= on)


async def certifications_of(
    session: AsyncSession, organization_ids: Iterable[str] | Select[Any]
) -> dict[str, Certifications]:
    """Certifications held per organisation, for the ids given (or selected)."""
    statement = select(
        OrganizationCertification.organization_id,
        OrganizationCertification.code,
        OrganizationCertification.valid_until,
        OrganizationCertification.verified,
    )
    statement = statement.where(OrganizationCertification.organization_id.in_(organization_ids))
    held: dict[str, Certifications] = {}
    for organization_id, code, valid_until, verified in await session.execute(statement):
        held.setdefault(organization_id, {})[code] = HeldCertification(valid_until, verified)
    return held


class MatchFeed:
    """One worker's index and its position in the change log."""

    def __init__(self, *, refresh_s: float = 0.5) -> None:
        self.index: MatchIndex | None = None
        self.refresh_s = refresh_s
        self._lock = asyncio.Lock()
        self._last_poll_started = float("-inf")
        self._seq = 0  # SQLite: last sequence number applied
        self._horizon: int | None = None  # PostgreSQL: xmin of the last poll's snapshot
        self._seen: set[int] = set()  # PostgreSQL: seqs at or above the horizon applied

    async def current(self, session: AsyncSession) -> MatchIndex:
        """The index, caught up with every change committed before this call."""
        arrived = time.monotonic()
        async with self._lock:
            # A poll that started after we arrived has seen everything we must see.
            if self.index is None or self._last_poll_started < arrived:
                self._last_poll_started = time.monotonic()
                if self.index is None or self.index.needs_rebuild:
                    await self._load(session)
                else:
                    await self._catch_up(session)
        assert self.index is not None
        return self.index

    async def _cursor(self, session: AsyncSession) -> None:
        if session.get_bind().dialect.name == "postgresql":
            self._horizon = await _snapshot_xmin(session)
            self._seen = set()
        else:
            last = await session.scalar(select(func.coalesce(func.max(MarketChange.seq), 0)))
            self._seq = int(last or 0)

    async def _load(self, session: AsyncSession) -> None:
        started = time.perf_counter()
        await self._cursor(session)
        candidates = await _load_candidates(session, today())
        self.index = MatchIndex.of(candidates)
        # The load's rows and records are gone with _load_candidates' frame by now.
        await asyncio.to_thread(release_free_memory)
        logger.info(
            "matching index loaded",
            extra={"offers": len(candidates), "seconds": round(time.perf_counter() - started, 3)},
        )
        await self._catch_up(session)

    async def _catch_up(self, session: AsyncSession) -> None:
        assert self.index is not None
        if session.get_bind().dialect.name == "postgresql":
            horizon = await _snapshot_xmin(session)
            rows = (
                await session.execute(
                    select(
                        MarketChange.seq,
                        MarketChange.kind,
                        MarketChange.object_id,
                        MarketChange.txid,
                    )
                    .where(MarketChange.txid >= self._horizon)
                    .order_by(MarketChange.seq)
                )
            ).all()
            fresh: list[Any] = [row for row in rows if row.seq not in self._seen]
            self._seen = {row.seq for row in rows if row.txid >= horizon}
            self._horizon = horizon
        else:
            fresh = list[Any](
                (
                    await session.execute(
                        select(MarketChange.seq, MarketChange.kind, MarketChange.object_id)
                        .where(MarketChange.seq > self._seq)
                        .order_by(MarketChange.seq)
                    )
                ).all()
            )
            if fresh:
                self._seq = fresh[-1].seq
        if fresh:
            offers = {row.object_id for row in fresh if row.kind == "offer"}
            organizations = {row.object_id for row in fresh if row.kind == "organization"}
            changes = await _reload(session, offers, organizations, today())
            self.index.apply(changes)

    async def follow(self, sessions: Any, *, preload: bool, keep_hours: int) -> None:
        """Background loop of a serving worker: load, then poll; prune the log hourly."""
        pruned_at = 0.0
        while True:
            try:
                if self.index is not None or preload:
                    async with sessions() as session:
                        await self.current(session)
                        await session.commit()
                if time.monotonic() - pruned_at > 3600:
                    pruned_at = time.monotonic()
                    async with sessions() as session, session.begin():
                        cutoff = utcnow() - timedelta(hours=keep_hours)
                        await session.execute(
                            delete(MarketChange).where(MarketChange.created_at < cutoff)
                        )
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("matching index refresh failed; will retry")
            await asyncio.sleep(self.refresh_s)


async def _snapshot_xmin(session: AsyncSession) -> int:
    """The oldest transaction still running as seen now (PostgreSQL)."""
    xmin = await session.scalar(
        text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
    )
    return int(xmin)


async def _load_candidates(session: AsyncSession, on: date) -> Candidates:
    """Every matchable offer as columns, read a small page at a time.

    Memory is what decides the shape of this loop (bench/README.md, "Matching engine"):
    only one page of rows and records is alive at a time, each page fetches the
    certifications of its own organisations (not a map of all of them), and nothing
    per offer outlives its page except the builder's typed arrays. Python's small-object
    heap grows only to about one page then, so little of it stays pinned afterwards.
    """
    builder = CandidatesBuilder()
    last = ""
    while True:
        # Keyset paging: no server-side cursor, so it also works on a connection
        # without a transaction, as GETs run on PostgreSQL.
        rows = (
            await session.execute(
                select(*OFFER_COLUMNS)
                .where(_in_index(on), Offer.id > last)
                .order_by(Offer.id)
                .limit(LOAD_BATCH)
            )
        ).all()
        if not rows:
            return await asyncio.to_thread(builder.finish)
        page_organizations = select(Offer.organization_id).where(
            _in_index(on), Offer.id.between(rows[0].id, rows[-1].id)
        )
        last = rows[-1].id
        held = await certifications_of(session, page_organizations)
        records = [offer_record(row, held.get(row.organization_id, {})) for row in rows]
        del rows, held
        await asyncio.to_thread(builder.add, records)
        del records


def _in_index(on: date) -> ColumnElement[bool]:
    """The offers the index holds (``matchable`` as SQL)."""
    return and_(Offer.status == "active", Offer.available_until >= on)


async def _reload(
    session: AsyncSession, offer_ids: set[str], organization_ids: set[str], on: date
) -> dict[str, OfferRecord | None]:
    """The current record of every offer touched (None when it no longer matches)."""
    statement = select(*OFFER_COLUMNS).where(Offer.id.in_(offer_ids))
    if organization_ids:
        statement = select(*OFFER_COLUMNS).where(
            Offer.id.in_(offer_ids) | Offer.organization_id.in_(organization_ids)
        )
    rows = (await session.execute(statement)).all()
    held = await certifications_of(session, {row.organization_id for row in rows})
    changes: dict[str, OfferRecord | None] = dict.fromkeys(offer_ids)
    for row in rows:
        changes[row.id] = (
            offer_record(row, held.get(row.organization_id, {})) if matchable(row, on) else None
        )
    return changes
