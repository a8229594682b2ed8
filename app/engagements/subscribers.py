"""How engagements react to what happens elsewhere (registered by ``create_app``): an
offer that stops taking work, or a request that closes, gives up its pending holds.

Each hold closes as ``cancelled`` by the system with the reason in its history (one
that had lapsed already reads ``expired``); its units go back to the offer. Accepted
work stays: only holds are released.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.events import subscribe
from app.engagements.releases import release_holds_of_offers, release_holds_of_requests
from app.offers.events import OffersWithdrawn
from app.requests.events import RequestsClosed

OFFER_NOTES = {
    "closed": "the offer was closed",
    "paused": "the offer was paused",
    "draft": "the offer was set back to draft",
}


async def release_holds_of_withdrawn_offers(session: AsyncSession, event: OffersWithdrawn) -> None:
    note = OFFER_NOTES.get(event.status, f"the offer is {event.status}")
    await release_holds_of_offers(session, event.offer_ids, note=note)


async def release_holds_of_closed_requests(session: AsyncSession, event: RequestsClosed) -> None:
    await release_holds_of_requests(
        session, event.request_ids, note=f"the request was {event.status}"
    )


def register() -> None:
    subscribe(OffersWithdrawn, release_holds_of_withdrawn_offers)
    subscribe(RequestsClosed, release_holds_of_closed_requests)
