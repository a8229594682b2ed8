"""GET /v1/events: the outbox as a feed, oldest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from app.auth.dependencies import AnyAuth
from app.auth.routing import domain_router
from app.core.db import SessionDep
from app.core.errors import problem_responses
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from app.events import feed
from app.events.schemas import EventOut, EventPage

router = domain_router("/events", tags=["events"])


@router.get("", response_model=EventPage, responses=problem_responses(401, 422, 503))
async def list_events(
    principal: AnyAuth,
    session: SessionDep,
    after: Annotated[
        str | None, Query(description="`next_cursor` of the last page read; none: from the start")
    ] = None,
    types: Annotated[
        str | None,
        Query(description="Comma-separated types, `prefix.*` allowed (`offer.*,match.found`)"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")] = DEFAULT_LIMIT,
) -> EventPage:
    """The events this key may see, oldest first. Follow `next_cursor` (also on an empty
    page) and no event is missed, also one whose transaction commits after a newer one's:
    an organisation key sees events about itself and alerts to it, a partner key those of
    all its members, the admin all."""
    return await feed.read_page(
        session, principal=principal, after=after, types=feed.parse_types(types), limit=limit
    )


@router.get("/{event_id}", response_model=EventOut, responses=problem_responses(401, 404, 422, 503))
async def get_event(principal: AnyAuth, session: SessionDep, event_id: str) -> EventOut:
    """One event, if this key may see it (404 otherwise)."""
    return await feed.read_event(session, principal=principal, event_id=event_id)
