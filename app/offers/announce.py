"""What the outbox hears of offers: ``offer.created|updated|closed`` with the offer as GET
shows it (``app.events.outbox``). Moves of the capacity counters by engagements are
announced as engagement events, not as offer updates."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dates import today
from app.events.outbox import Party, ResourceChanged, publish_changes
from app.models import Offer
from app.offers.repository import OfferRepository
from app.offers.schemas import OfferOut


async def announce(session: AsyncSession, offers: Sequence[Offer], type: str) -> None:
    on = today()
    await publish_changes(
        session,
        [
            ResourceChanged(
                type=type,
                object=OfferOut.of(offer, on=on).model_dump(mode="json"),
                owner=Party(offer.partner_id, offer.organization_id),
            )
            for offer in offers
        ],
    )


async def announce_ids(session: AsyncSession, offer_ids: Collection[str], type: str) -> None:
    """As ``announce``, for offers changed by set-based statements (read back first)."""
    if offer_ids:
        await announce(session, await OfferRepository(session).current(offer_ids), type)
