from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update

from app.core.repository import MarketRepository
from app.models import Offer
from app.offers.rules import OPEN_STATUSES


class OfferRepository(MarketRepository[Offer]):
    model = Offer
    end_column = "available_until"
    open_statuses = OPEN_STATUSES

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
