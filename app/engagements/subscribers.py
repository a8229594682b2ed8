"""How engagements react to what happens elsewhere (registered by ``create_app``).

An offer that stops taking work, or a request that closes, gives up its pending holds:
each closes as ``cancelled`` by the system with the reason in its history (one that had
lapsed already reads ``expired``) and its units go back to the offer. Accepted work
stays. A request's quantity cannot drop below what it has engaged.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dates import utcnow
from app.core.erasure import PersonalDataErased
from app.core.errors import Conflict, FieldError
from app.core.events import subscribe
from app.engagements.announce import announce
from app.engagements.events import EngagementsChanged
from app.engagements.releases import release_holds_of_offers, release_holds_of_requests
from app.engagements.repository import EngagementRepository, erase_texts_of
from app.offers.events import OffersWithdrawn
from app.offers.service import lock_offers, open_offers_of
from app.organizations.events import OrganizationClosed
from app.requests.events import RequestQuantityCut, RequestsClosed
from app.requests.service import lock_open_requests_of


class QuantityEngaged(Conflict):
    title = "The request's quantity is engaged"


OFFER_NOTES = {
    "closed": "the offer was closed",
    "paused": "the offer was paused",
    "draft": "the offer was set back to draft",
}


async def lock_what_a_closing_organization_releases(
    session: AsyncSession, event: OrganizationClosed
) -> None:
    """Lock up front, in the house order, every row the close will touch: the
    organisation's open requests (by id), then together (by id) its own open offers and
    the offers its requests hold units on. Without this the requests' holds lock other
    organisations' offers before the organisation's own offers are closed, and two
    organisations closing at once, each holding the other's capacity, deadlock.

    Runs before the requests' and offers' own subscribers of ``OrganizationClosed``
    (``app.api.register_hooks`` registers this package first).
    """
    request_ids = await lock_open_requests_of(session, event.organization_id)
    held = await EngagementRepository(session).offers_held_for(request_ids)
    own = await open_offers_of(session, event.organization_id)
    await lock_offers(session, {*held, *own})


async def release_holds_of_withdrawn_offers(session: AsyncSession, event: OffersWithdrawn) -> None:
    note = OFFER_NOTES.get(event.status, f"the offer is {event.status}")
    await release_holds_of_offers(session, event.offer_ids, note=note)


async def release_holds_of_closed_requests(session: AsyncSession, event: RequestsClosed) -> None:
    await release_holds_of_requests(
        session, event.request_ids, note=f"the request was {event.status}"
    )


async def refuse_cutting_below_engaged(session: AsyncSession, event: RequestQuantityCut) -> None:
    """The request's live pending, accepted and fulfilled units must still fit (its row is
    locked by the change, so no hold joins meanwhile)."""
    engaged = await EngagementRepository(session).engaged_for_request(event.request_id, utcnow())
    if engaged > event.quantity:
        raise QuantityEngaged(
            f"Request {event.request_id} has {engaged} units engaged (pending, accepted or "
            f"fulfilled); its quantity cannot drop to {event.quantity}.",
            errors=[
                FieldError(field="quantity", message=f"must cover the {engaged} units engaged")
            ],
        )


async def erase_texts(session: AsyncSession, erased: PersonalDataErased) -> None:
    """What the erased organisation's people wrote goes; the engagements stay."""
    messages, notes = await erase_texts_of(session, erased.organization_id)
    erased.count("messages", messages)
    erased.count("notes", notes)


def register() -> None:
    subscribe(OrganizationClosed, lock_what_a_closing_organization_releases)
    subscribe(OffersWithdrawn, release_holds_of_withdrawn_offers)
    subscribe(RequestsClosed, release_holds_of_closed_requests)
    subscribe(RequestQuantityCut, refuse_cutting_below_engaged)
    subscribe(EngagementsChanged, announce)
    subscribe(PersonalDataErased, erase_texts)
