"""capmatch with its database work taken out, for ``bench/api_read_write.py
--capmatch-target bench.floor_app:create_app``: how fast the API can be on this stack with
every check it makes per request (middleware, request id, access log and metrics, rate
limits, key check from the cache, validation, rules, ETag, response model) and no
statement at all. It is the ceiling of any data-access work on the two routes measured.

- ``GET /v1/offers/{id}``: the offer row is a copy of one row read once, under the
  requested id (no statement, no visibility check).
- ``POST /v1/offers``: the offer is built from the validated body as creation builds it
  (codes checked, dates checked) but neither its organisation nor its region is read and
  nothing is written (no statement, no event).
- The request's session is opened but not begun (no connection is taken from the pool):
  a key the cache misses is still checked against the database (about once per cache
  lifetime, 5 s); the other routes (the seeding's partner and organisation) work as
  before.

Run: ``uvicorn bench.floor_app:create_app --factory`` from the repository root.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core import db
from app.core.dates import today, utcnow
from app.core.ids import new_id
from app.main import create_app as create_capmatch
from app.models import Offer, Organization
from app.offers import creation, service
from app.offers.schemas import OfferCreate
from app.offers.service import check_codes, check_offer
from app.taxonomy.vocabulary import Taxonomy

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


async def _new_offer(
    session: AsyncSession, *, principal: Principal, data: OfferCreate, taxonomy: Taxonomy
) -> Offer:
    organization: Any = _sample.get(data.organization_id or "")
    if organization is None:  # once per process
        table: Any = Organization.__table__
        statement = select(table).where(table.c.id == data.organization_id)
        organization = _sample[data.organization_id or ""] = (
            await session.execute(statement)
        ).one()
        await session.rollback()
    check_codes(taxonomy, data.skills, data.products, data.certifications)
    on = today()
    now = utcnow()
    location = data.location
    offer = Offer(
        id=new_id("off"),
        partner_id=organization.partner_id,
        organization_id=organization.id,
        title=data.title,
        description=data.description,
        skills=data.skills,
        products=data.products,
        certifications=data.certifications,
        capacity_unit=data.capacity.unit,
        capacity_per_week=data.capacity.per_week,
        capacity_total=data.capacity.total,
        min_order_quantity=data.min_order_quantity,
        lead_time_days=data.lead_time_days,
        available_from=data.available_from or on,
        available_until=data.available_until,
        lat=location.lat if location else organization.lat,
        lon=location.lon if location else organization.lon,
        region=organization.region,
        service_radius_km=data.service_radius_km,
        visibility=data.visibility,
        status=data.status,
        external_ref=data.external_ref,
        reserved_quantity=0,
        held_quantity=0,
        created_at=now,
        updated_at=now,
        version=1,
    )
    check_offer(offer, organization, on=on, held=None)  # the rules, capacity and search codes
    return offer


def create_app() -> FastAPI:
    app = create_capmatch()
    # Patched inside get_session, not overridden: FastAPI analyses an overriding
    # dependency's signature again on every request, which would cost more than the
    # session itself.
    db.begin_read = _no_read_transaction
    service.get_visible_offer = _offer_row
    creation.create_offer = _new_offer
    return app
