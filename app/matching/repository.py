"""SQL of the matching endpoints: what to show of ranked offers, and open requests."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.market.tenancy import visible_clause
from app.matching.feed import Certifications, certifications_of
from app.models import CapacityRequest, Offer, Organization


async def offer_cards(session: AsyncSession, offer_ids: Collection[str]) -> dict[str, Any]:
    """Title, region and organisation (id, name) of each offer."""
    if not offer_ids:
        return {}
    rows = await session.execute(
        select(
            Offer.id,
            Offer.title,
            Offer.region,
            Organization.id.label("organization_id"),
            Organization.name.label("organization_name"),
        )
        .join(Organization, Organization.id == Offer.organization_id)
        .where(Offer.id.in_(offer_ids))
    )
    return {row.id: row for row in rows}


async def open_requests(
    session: AsyncSession, *, principal: Principal, unit: str, on: date
) -> Sequence[Row[Any]]:
    """Open, unexpired requests in ``unit`` the caller may see, with their organisation."""
    rows = await session.execute(
        select(
            CapacityRequest.__table__,
            Organization.name.label("organization_name"),
        )
        .join(Organization, Organization.id == CapacityRequest.organization_id)
        .where(
            CapacityRequest.status == "open",
            CapacityRequest.needed_by >= on,
            CapacityRequest.unit == unit,
            visible_clause(CapacityRequest, principal),
        )
    )
    return rows.all()


async def held_by(session: AsyncSession, organization_id: str) -> Certifications:
    return (await certifications_of(session, [organization_id])).get(organization_id, {})
