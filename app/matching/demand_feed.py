"""Keep a worker's index of open requests in step with the database.

``MatchFeed`` (``app.matching.feed``) owns the change log and its cursor; it calls
``DemandFeed.load`` when it loads its offers and ``DemandFeed.apply`` with every batch
of changes it reads. Requests reach the log through their own triggers (kind
``request``), whatever code path wrote them, so the same read-your-writes rule holds
for ``GET /v1/offers/{id}/matches`` as for the offer direction. A request depends
on its own row only (organisation names are read for the page), so organisation
changes do not touch this index.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dates import today
from app.matching import repository
from app.matching.demand import RequestRecord
from app.matching.demand_columns import Requests, RequestsBuilder
from app.matching.demand_index import RequestIndex

logger = logging.getLogger("capmatch.matching")

LOAD_BATCH = 1_000  # requests per page of the load


def request_record(row: Any) -> RequestRecord:
    return RequestRecord(
        id=row.id,
        lat=row.lat,
        lon=row.lon,
        skills=tuple(row.skills),
        products=tuple(row.products),
        quantity=row.quantity,
        needed_by=row.needed_by,
        unit=row.unit,
        required_certifications=tuple(row.required_certifications),
        preferred_certifications=tuple(row.preferred_certifications),
        max_distance_km=row.max_distance_km,
        weights=row.weights or None,
        organization_id=row.organization_id,
        partner_id=row.partner_id,
        shared=row.visibility == "shared",
        region=row.region,
    )


def matchable(row: Any, on: date) -> bool:
    """Open and not yet past ``needed_by`` (``repository.open_requests_page`` in Python)."""
    return bool(row.status == "open" and row.needed_by >= on)


class DemandFeed:
    """One worker's index of open requests; ``MatchFeed`` moves it along the change log."""

    def __init__(self) -> None:
        self.index: RequestIndex | None = None

    async def load(self, session: AsyncSession) -> None:
        """Every open request afresh. The caller took its log cursor before, so a write
        racing the load is replayed (reloading a request twice is harmless)."""
        started = time.perf_counter()
        base = await _load_requests(session, today())
        self.index = RequestIndex.of(base)
        logger.info(
            "request index loaded",
            extra={"requests": len(base), "seconds": round(time.perf_counter() - started, 3)},
        )

    async def apply(
        self, session: AsyncSession, changes: Iterable[Any]
    ) -> dict[str, RequestRecord | None]:
        """Apply the log entries (``kind``, ``object_id``) about requests; the current
        record of each request touched (None: no longer open), empty after a load."""
        touched = {change.object_id for change in changes if change.kind == "request"}
        if self.index is None:
            await self.load(session)
            return {}
        if not touched:
            return {}
        on = today()
        records: dict[str, RequestRecord | None] = dict.fromkeys(touched)
        for row in await repository.requests_touched(session, touched):
            records[row.id] = request_record(row) if matchable(row, on) else None
        self.index.apply(records)
        if self.index.needs_rebuild:
            # A large delta slows every search down: load a new base now. Its rows are
            # at least as new as the entries just applied, so nothing is skipped.
            await self.load(session)
        return records


async def _load_requests(session: AsyncSession, on: date) -> Requests:
    """Every open request as columns, read a page at a time (keyset paging)."""
    builder = RequestsBuilder()
    last = ""
    while True:
        rows = await repository.open_requests_page(session, on=on, after=last, limit=LOAD_BATCH)
        if not rows:
            return await asyncio.to_thread(builder.finish)
        last = rows[-1].id
        records = [request_record(row) for row in rows]
        del rows
        await asyncio.to_thread(builder.add, records)
        del records
