"""capmatch with its database work taken out, for ``bench/api_read_write.py
--capmatch-target bench.floor_app:create_app``: how fast the API can be on this stack with
every check it makes per request (middleware, request id, access log and metrics, rate
limits, key check from the cache, validation, rules, ETag, response model) and no
statement at all. It is the ceiling of any data-access work on the two routes measured.

- ``GET /v1/offers/{id}``: the offer row is a copy of one row read once, under the
  requested id (no statement, no visibility check).
- ``POST /v1/offers``: creation runs as served (codes, dates, references, the offer's
  rules, capacity and search codes) with its organisation read once per process, no
  region looked up for the offer's own point, and nothing written (no statement, no
  event).
- The request's session is opened but not begun (no connection is taken from the pool):
  a key the cache misses is still checked against the database (about once per cache
  lifetime, 5 s); the other routes (the seeding's partner and organisation) work as
  before.

Run: ``uvicorn bench.floor_app:create_app --factory`` from the repository root.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core import db
from app.main import create_app as create_capmatch
from app.models import Offer, Organization
from app.offers import creation, service
from app.offers.schemas import OfferCreate
from app.organizations.acting import Posters, certifications_of, posting_for

_sample: dict[str, Any] = {}


async def _no_read_transaction(session: AsyncSession, **options: Any) -> None:
    """In place of ``begin_read``: the request's session stays unbegun (no connection)."""


async def _offer_row(session: AsyncSession, *, principal: Principal, offer_id: str) -> Any:
    row: Any = _sample.get("offer")
    if row is None:  # once per process
        table: Any = Offer.__table__
        first = (await session.execute(select(table).limit(1))).one()
        await session.rollback()
        row = _sample["offer"] = namedtuple("Row", first._fields)(*first)
    return row._replace(id=offer_id)


async def _chunk(
    session: AsyncSession, principal: Principal, items: Sequence[OfferCreate], holders_of: Any
) -> Any:
    """The organisations the items are posted for and the certificates they hold, read
    once per process and kept."""
    acting: dict[str, Any] = {}
    held: dict[str, Any] = {}
    for item in items:
        organization_id = posting_for(principal, item.organization_id) or ""
        if organization_id not in _sample:
            organization = await session.get(Organization, organization_id)
            session.expunge(organization)  # loaded for good, past the rollback
            certificates = await certifications_of(session, {organization_id})
            await session.rollback()
            _sample[organization_id] = (organization, certificates.get(organization_id, {}))
        acting[organization_id], held[organization_id] = _sample[organization_id]
    return creation._Chunk(Posters(principal, acting, {}), held=held)


async def _region(session: AsyncSession, lat: float, lon: float) -> str | None:
    return None


async def _written(repository: Any, items: Sequence[Any], writing: Any) -> bool:
    return False  # nothing written, nothing announced


def create_app() -> FastAPI:
    app = create_capmatch()
    # Patched inside get_session, not overridden: FastAPI analyses an overriding
    # dependency's signature again on every request, which would cost more than the
    # session itself.
    db.begin_read = _no_read_transaction
    service.get_visible_offer = _offer_row
    creation._read_chunk = _chunk
    creation.region_near = _region  # type: ignore[attr-defined]
    creation.write_new = _written  # type: ignore[attr-defined]
    return app
