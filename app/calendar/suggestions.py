"""Upcoming events on what an offer makes or a request needs (``GET .../events``).

The offer's or request's skills, products and certifications are the codes; an event fits
when one of its topics lies on the same line of the hierarchy as one of them
(``app.taxonomy.topics.topic_fit``). Best fit first, then the soonest, then by id.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.calendar.repository import CalendarRepository
from app.calendar.schemas import CalendarEventOut, EventSuggestion, EventSuggestionPage
from app.core.dates import utcnow
from app.offers.service import get_visible_offer
from app.requests.service import get_visible_request
from app.taxonomy.topics import roots, topic_fit

# Events read per suggestion list: a calendar holds hundreds of upcoming events, not more.
CANDIDATES = 2_000


async def _suggest(
    session: AsyncSession, principal: Principal, codes: Iterable[str], limit: int
) -> EventSuggestionPage:
    wanted = list(dict.fromkeys(codes))
    candidates = await CalendarRepository(session).upcoming_on_roots(
        principal, roots(wanted), now=utcnow(), limit=CANDIDATES
    )
    fitting = []
    for event, name in candidates:
        fit = topic_fit(event.topics, wanted)
        if fit.relevance > 0:
            fitting.append((fit, event, name))
    fitting.sort(key=lambda item: (-item[0].relevance, item[1].starts_at, item[1].id))
    return EventSuggestionPage(
        data=[
            EventSuggestion(
                event=CalendarEventOut.of(event, name),
                relevance=round(fit.relevance, 4),
                matched_topics=list(fit.matched),
            )
            for fit, event, name in fitting[:limit]
        ],
        has_more=len(fitting) > limit,
    )


async def events_for_request(
    session: AsyncSession, *, principal: Principal, request_id: str, limit: int
) -> EventSuggestionPage:
    request = await get_visible_request(session, principal=principal, request_id=request_id)
    codes = [
        *request.skills,
        *request.products,
        *request.required_certifications,
        *request.preferred_certifications,
    ]
    return await _suggest(session, principal, codes, limit)


async def events_for_offer(
    session: AsyncSession, *, principal: Principal, offer_id: str, limit: int
) -> EventSuggestionPage:
    offer = await get_visible_offer(session, principal=principal, offer_id=offer_id)
    codes = [*offer.skills, *offer.products, *offer.certifications]
    return await _suggest(session, principal, codes, limit)
