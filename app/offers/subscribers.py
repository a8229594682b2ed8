"""How offers react to what happens elsewhere (registered by ``create_app``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import FieldError, InvalidInput
from app.core.events import publish, subscribe
from app.offers.announce import announce_ids
from app.offers.events import OffersWithdrawn
from app.offers.repository import OfferRepository
from app.organizations.events import CertificationsWithdrawn, OrganizationClosed


async def close_offers_of_closed_organization(
    session: AsyncSession, event: OrganizationClosed
) -> None:
    closed = await OfferRepository(session).close_all_of_organization(
        event.organization_id, now=event.closed_at
    )
    if closed:
        await publish(session, OffersWithdrawn(offer_ids=tuple(closed), status="closed"))
        await announce_ids(session, closed, "offer.closed")


async def refuse_withdrawing_claimed_certifications(
    session: AsyncSession, event: CertificationsWithdrawn
) -> None:
    """An open offer's claims must stay true: remove the claim from the offer first."""
    in_use = await OfferRepository(session).offers_claiming(event.organization_id, event.codes)
    if in_use:
        raise InvalidInput(
            "certifications still claimed by offers",
            errors=[
                FieldError(
                    field="certifications",
                    message=f"{code} is claimed by open offers {', '.join(ids)}; "
                    "remove it from those offers first",
                )
                for code, ids in sorted(in_use.items())
            ],
        )


def register() -> None:
    subscribe(OrganizationClosed, close_offers_of_closed_organization)
    subscribe(CertificationsWithdrawn, refuse_withdrawing_claimed_certifications)
