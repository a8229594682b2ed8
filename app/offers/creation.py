"""New offers: one from the API, or a chunk of an import's rows at once.

Both go through ``create_offers``, so an imported row meets every rule of POST /v1/offers
(tenancy, known codes, a free ``external_ref``, certifications held, dates). For a chunk,
each read it needs is one query for all its offers, the offers are inserted in one flush
and their events appended in one statement: an import of 100k rows costs a few hundred
round trips instead of several per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core.dates import today, utcnow
from app.core.errors import AppError, InvalidInput
from app.core.ids import new_id
from app.geo.service import region_near
from app.market.external_refs import HoldersLookup
from app.market.writing import Writing, new_object, write_new
from app.models import Offer
from app.offers.announce import announce
from app.offers.repository import OfferRepository
from app.offers.schemas import OfferCreate
from app.offers.service import check_codes, check_offer
from app.organizations.acting import Posters, certifications_of, posting_for, read_posters
from app.taxonomy.vocabulary import Taxonomy


async def create_offer(
    session: AsyncSession, *, principal: Principal, data: OfferCreate, taxonomy: Taxonomy
) -> Offer:
    (created,) = await create_offers(session, principal=principal, items=[data], taxonomy=taxonomy)
    if isinstance(created, AppError):
        raise created
    return created


@dataclass(slots=True)
class _Chunk:
    """What the offers of one call share: who they are posted for, the references in use,
    the certificates their organisations hold."""

    posters: Posters
    held: dict[str, dict[str, date | None]]


async def create_offers(
    session: AsyncSession,
    *,
    principal: Principal,
    items: Sequence[OfferCreate],
    taxonomy: Taxonomy,
    writing: Writing = "session",
    holders_of: HoldersLookup | None = None,
) -> list[Offer | AppError]:
    """Create the offers that pass the rules; per item, the offer or why it was refused
    (nothing of a refused item is written). ``writing``: see ``app.market.writing``;
    ``holders_of``: where the references in use are found (the database by default)."""
    on = today()
    holders_of = holders_of or OfferRepository(session).holders_of_external_refs
    chunk = await _read_chunk(session, principal, items, holders_of)
    results: list[Offer | AppError] = []
    for data in items:
        try:
            offer = await _new_offer(session, chunk, data, taxonomy, on=on, writing=writing)
        except AppError as exc:
            results.append(exc)
            continue
        chunk.posters.took(offer)
        results.append(offer)
    created = [result for result in results if not isinstance(result, AppError)]
    if await write_new(OfferRepository(session), created, writing):
        await announce(session, created, "offer.created")
    return results


async def _read_chunk(
    session: AsyncSession,
    principal: Principal,
    items: Sequence[OfferCreate],
    holders_of: HoldersLookup,
) -> _Chunk:
    posters = await read_posters(session, principal=principal, items=items, holders_of=holders_of)
    claiming = {
        organization_id
        for data in items
        if data.certifications and (organization_id := posting_for(principal, data.organization_id))
    }
    return _Chunk(posters, await certifications_of(session, claiming))


async def _new_offer(
    session: AsyncSession,
    chunk: _Chunk,
    data: OfferCreate,
    taxonomy: Taxonomy,
    *,
    on: date,
    writing: Writing,
) -> Offer:
    organization = chunk.posters.organization(data.organization_id)
    check_codes(taxonomy, data.skills, data.products, data.certifications)
    chunk.posters.ensure_ref_free(organization, data.external_ref, kind="offer")
    if data.available_until < on:
        raise InvalidInput.at("available_until", "lies in the past")
    location = data.location
    # Own coordinates take the region of the nearest known postal code (None without one).
    region = await region_near(session, location.lat, location.lon) if location else None
    now = utcnow()
    offer = new_object(
        Offer,
        writing,
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
        region=region if location else organization.region,
        service_radius_km=data.service_radius_km,
        visibility=data.visibility,
        status=data.status,
        external_ref=data.external_ref,
        reserved_quantity=0,
        held_quantity=0,
        created_at=now,
        updated_at=now,
    )
    # Claims are checked when they are set (see service._held_certifications).
    held = None if data.certifications is None else chunk.held.get(organization.id, {})
    check_offer(offer, organization, on=on, held=held)
    return offer
