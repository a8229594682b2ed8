"""The shared calendar: events CRUD, the iCalendar feed, suggestions for offers and requests."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query, Request, Response, status

from app.auth.dependencies import AnyAuth, MemberAuth
from app.auth.routing import domain_router
from app.calendar import feed, service, suggestions
from app.calendar.ics import ICS_MEDIA_TYPE
from app.calendar.schemas import (
    CalendarEventCreate,
    CalendarEventOut,
    CalendarEventUpdate,
    EventSuggestionPage,
)
from app.core.db import SessionDep
from app.core.errors import problem_responses
from app.core.pagination import Page, PageDep
from app.feeds.dependencies import CalendarReader
from app.taxonomy.dependencies import TaxonomyDep
from app.web.http import IfMatch, feed_response, set_etag

router = domain_router("/calendar-events", tags=["calendar"])
ics_router = domain_router("/calendar.ics", tags=["calendar"])
requests_router = domain_router("/requests", tags=["calendar"])
offers_router = domain_router("/offers", tags=["calendar"])

StatusQuery = Annotated[
    Literal["scheduled", "cancelled", "all"] | None,
    Query(description="Default: `scheduled` in the list; the feed carries cancellations too"),
]
SuggestionLimit = Annotated[int, Query(ge=1, le=100, description="Events to suggest")]


async def owned_event(session: SessionDep, principal: MemberAuth, event_id: str) -> service.Named:
    return await service.get_owned_event(session, principal=principal, event_id=event_id)


OwnedEvent = Annotated[service.Named, Depends(owned_event)]
FiltersDep = Annotated[feed.QueryFilters, Depends(feed.query_filters)]


def _out(response: Response, named: service.Named) -> CalendarEventOut:
    event, name = named
    set_etag(response, event.version)
    return CalendarEventOut.of(event, name)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CalendarEventOut,
    responses=problem_responses(401, 403, 404, 409, 413, 422, 503),
)
async def create_event(
    data: CalendarEventCreate,
    session: SessionDep,
    principal: MemberAuth,
    response: Response,
    taxonomy: TaxonomyDep,
) -> CalendarEventOut:
    """Post an event (webinar, fair, matchmaking day) for one of your organisations."""
    named = await service.create_event(session, principal=principal, data=data, taxonomy=taxonomy)
    return _out(response, named)


@router.get("", response_model=Page[CalendarEventOut], responses=problem_responses(401, 422, 503))
async def list_events(
    session: SessionDep,
    principal: AnyAuth,
    page: PageDep,
    query: FiltersDep,
    taxonomy: TaxonomyDep,
    event_status: Annotated[StatusQuery, Query(alias="status")] = None,
) -> Page[CalendarEventOut]:
    """Events you may see, soonest first; without `from`, those that have not ended."""
    filters = feed.list_filters(query, taxonomy, event_status)
    result = await service.list_events(session, principal=principal, filters=filters, page=page)
    return Page[CalendarEventOut](
        data=[CalendarEventOut.of(event, name) for event, name in result.items],
        has_more=result.has_more,
        next_cursor=result.next_cursor,
    )


@router.get(
    "/{event_id}", response_model=CalendarEventOut, responses=problem_responses(401, 404, 422, 503)
)
async def get_event(
    event_id: str, session: SessionDep, principal: AnyAuth, response: Response
) -> CalendarEventOut:
    """Read one event (a cancelled one too: it reads `status: cancelled`)."""
    named = await service.get_visible_event(session, principal=principal, event_id=event_id)
    return _out(response, named)


@router.patch(
    "/{event_id}",
    response_model=CalendarEventOut,
    responses=problem_responses(401, 403, 404, 409, 412, 413, 422, 503),
)
async def update_event(
    data: CalendarEventUpdate,
    event: OwnedEvent,
    session: SessionDep,
    response: Response,
    taxonomy: TaxonomyDep,
    if_match: IfMatch = None,
) -> CalendarEventOut:
    """Change an event; its `sequence` rises, so subscribed calendars update their copy."""
    named = await service.update_event(
        session, named=event, data=data, if_match=if_match, taxonomy=taxonomy
    )
    return _out(response, named)


@router.delete(
    "/{event_id}",
    response_model=CalendarEventOut,
    responses=problem_responses(401, 403, 404, 412, 422, 503),
)
async def cancel_event(
    event: OwnedEvent, session: SessionDep, response: Response, if_match: IfMatch = None
) -> CalendarEventOut:
    """Cancel an event (soft delete: it reads `cancelled`, and the .ics feed carries
    `STATUS:CANCELLED` so that subscribed calendars drop it)."""
    named = await service.cancel_event(session, named=event, if_match=if_match)
    return _out(response, named)


@ics_router.get(
    "",
    response_class=Response,
    responses={
        200: {"content": {"text/calendar": {}}, "description": "RFC 5545 iCalendar"},
        304: {"description": "Unchanged since the ETag sent in If-None-Match"},
        **problem_responses(401, 422, 503),
    },
)
async def calendar_ics(
    request: Request,
    session: SessionDep,
    reader: CalendarReader,
    query: FiltersDep,
    taxonomy: TaxonomyDep,
    event_status: Annotated[StatusQuery, Query(alias="status")] = None,
) -> Response:
    """The events you may see as iCalendar, for calendar apps: send your key, or use the
    `url` of a subscription (POST /v1/calendar-subscriptions), whose token reads only this
    feed. Without `from`, the last 30 days and the future; cancelled events included."""
    body = await feed.calendar_feed(
        session, reader=reader, query=query, taxonomy=taxonomy, event_status=event_status
    )
    response = feed_response(request, body, ICS_MEDIA_TYPE)
    response.headers["Content-Disposition"] = 'inline; filename="capmatch.ics"'
    return response


@requests_router.get(
    "/{request_id}/events",
    response_model=EventSuggestionPage,
    responses=problem_responses(401, 404, 422, 503),
)
async def request_events(
    request_id: str, session: SessionDep, principal: AnyAuth, limit: SuggestionLimit = 20
) -> EventSuggestionPage:
    """Upcoming events on what the request needs: its skills, products and certifications
    (hierarchy counts both ways; best fit first, then the soonest)."""
    return await suggestions.events_for_request(
        session, principal=principal, request_id=request_id, limit=limit
    )


@offers_router.get(
    "/{offer_id}/events",
    response_model=EventSuggestionPage,
    responses=problem_responses(401, 404, 422, 503),
)
async def offer_events(
    offer_id: str, session: SessionDep, principal: AnyAuth, limit: SuggestionLimit = 20
) -> EventSuggestionPage:
    """Upcoming events on what the offer makes: its skills, products and certifications."""
    return await suggestions.events_for_offer(
        session, principal=principal, offer_id=offer_id, limit=limit
    )
