"""Every SQL statement of allocation: its own table, and the capacity figures it reads."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.pagination import PageParams, paginate
from app.models import Allocation, Engagement, Offer


@dataclass(frozen=True, slots=True)
class OfferCapacity:
    id: str
    partner_id: str
    organization_id: str
    total_quantity: int
    remaining: int  # total - reserved - held (lapsed holds still count until swept)
    min_order_quantity: int


class AllocationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, allocation: Allocation) -> None:
        self.session.add(allocation)
        await self.session.flush()

    async def get(self, allocation_id: str, *, lock: bool = False) -> Allocation | None:
        statement = select(Allocation).where(Allocation.id == allocation_id)
        if lock:
            statement = statement.with_for_update()
        return (await self.session.scalars(statement)).one_or_none()

    async def list_page(self, *, partner_id: str | None, page: PageParams) -> Sequence[Allocation]:
        statement = select(Allocation)
        if partner_id is not None:
            statement = statement.where(Allocation.partner_id == partner_id)
        return (await self.session.scalars(paginate(statement, Allocation.id, page))).all()

    async def capacities(self, offer_ids: Collection[str]) -> dict[str, OfferCapacity]:
        found: dict[str, OfferCapacity] = {}
        ids = sorted(offer_ids)
        for start in range(0, len(ids), 5000):  # bound the statement's parameters
            rows = await self.session.execute(
                select(
                    Offer.id,
                    Offer.partner_id,
                    Offer.organization_id,
                    Offer.total_quantity,
                    Offer.total_quantity - Offer.reserved_quantity - Offer.held_quantity,
                    Offer.min_order_quantity,
                ).where(Offer.id.in_(ids[start : start + 5000]))
            )
            for row in rows:
                found[row[0]] = OfferCapacity(*row)
        return found

    async def pending_by_buyer(
        self, buyer_ids: Collection[str], now: datetime
    ) -> dict[tuple[str, str], int]:
        """Units of live pending holds per (offer, buyer organisation)."""
        found: dict[tuple[str, str], int] = {}
        ids = sorted(buyer_ids)
        for start in range(0, len(ids), 5000):
            rows = await self.session.execute(
                select(
                    Engagement.offer_id,
                    Engagement.buyer_organization_id,
                    func.sum(Engagement.quantity),
                )
                .where(
                    Engagement.buyer_organization_id.in_(ids[start : start + 5000]),
                    Engagement.status == "pending",
                    Engagement.expires_at > now,
                )
                .group_by(Engagement.offer_id, Engagement.buyer_organization_id)
            )
            for offer_id, buyer_id, units in rows:
                found[(offer_id, buyer_id)] = int(units)
        return found
