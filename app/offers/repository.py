from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.lifecycle import status_clause
from app.core.listing import MarketFilters, apply_market_filters
from app.core.pagination import PageParams, paginate
from app.core.security import Principal
from app.core.tenancy import owned_clause, visible_clause
from app.models import Offer
from app.offers.rules import OPEN_STATUSES


class OfferRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    async def get_visible(self, offer_id: str, principal: Principal) -> Offer | None:
        statement = select(Offer).where(Offer.id == offer_id, visible_clause(Offer, principal))
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def get_owned_for_update(self, offer_id: str, principal: Principal) -> Offer | None:
        statement = (
            select(Offer)
            .where(Offer.id == offer_id, owned_clause(Offer, principal))
            .with_for_update()
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def add(self, offer: Offer) -> Offer:
        self.session.add(offer)
        await self.session.flush()
        return offer

    async def list_page(
        self, *, principal: Principal, filters: MarketFilters, page: PageParams, on: date
    ) -> Sequence[Offer]:
        statement = apply_market_filters(
            select(Offer),
            Offer,
            dialect=self.dialect,
            principal=principal,
            filters=filters,
            status_clause=status_clause(
                filters.statuses,
                status_column=Offer.status,
                end_column=Offer.available_until,
                open_statuses=OPEN_STATUSES,
                on=on,
            ),
        )
        return (await self.session.execute(paginate(statement, Offer.id, page))).scalars().all()

    async def offers_claiming(
        self, organization_id: str, codes: Iterable[str]
    ) -> dict[str, list[str]]:
        """Open offers of the organisation that claim any of the certifications."""
        wanted = set(codes)
        rows = await self.session.execute(
            select(Offer.id, Offer.certifications).where(
                Offer.organization_id == organization_id, Offer.status.in_(OPEN_STATUSES)
            )
        )
        claimed: dict[str, list[str]] = {}
        for offer_id, certifications in rows:
            for code in wanted.intersection(certifications or ()):
                claimed.setdefault(code, []).append(offer_id)
        return claimed

    async def close_all_of_organization(self, organization_id: str, *, now: datetime) -> None:
        await self.session.execute(
            update(Offer)
            .where(Offer.organization_id == organization_id, Offer.status.in_(OPEN_STATUSES))
            .values(status="closed", closed_at=now, updated_at=now, version=Offer.version + 1)
            .execution_options(synchronize_session=False)
        )
