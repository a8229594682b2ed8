"""The calendar's query parameters, and the iCalendar feed built from them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import Query
from sqlalchemy.ext.asyncio import AsyncSession

from app.calendar import service
from app.calendar.ics import FeedEvent, RenderedCalendars
from app.calendar.repository import CalendarFilters
from app.calendar.rules import EARLIEST_YEAR, LATEST_YEAR
from app.calendar.times import DEFAULT_TIMEZONE, day_end, day_start, in_zone
from app.core.dates import utcnow
from app.core.errors import InvalidInput
from app.core.schemas import LanguageCode
from app.feeds.service import FeedReader
from app.geo.schemas import RegionCode
from app.market.query import OrganizationQuery
from app.market.schemas import Visibility
from app.taxonomy.codes import Code
from app.taxonomy.topics import check_topic_filter
from app.taxonomy.vocabulary import Taxonomy

# What a calendar app is sent: the recent past (so a cancellation still reaches it) and
# the future, at most this many events.
FEED_HISTORY = timedelta(days=30)
FEED_LIMIT = 2_000
RENDERED = RenderedCalendars()
FIRST_DAY, LAST_DAY = date(EARLIEST_YEAR, 1, 1), date(LATEST_YEAR + 1, 1, 1)
TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}:\d{2})?)?$"
TimeQuery = Annotated[
    str | None,
    Query(
        max_length=40,
        pattern=TIME_PATTERN,
        description="A date (YYYY-MM-DD, midnight in Europe/Berlin) or an RFC 3339 date-time",
    ),
]


@dataclass(frozen=True, slots=True)
class QueryFilters:
    """The calendar's list parameters as sent (the feed fills in a subscription's)."""

    start: datetime | None = None
    end: datetime | None = None
    topic: str | None = None
    partner_id: str | None = None
    organization_id: str | None = None
    language: str | None = None
    region: str | None = None
    visibility: str | None = None
    q: str | None = None


def _moment(value: str | None, parameter: str, *, end: bool) -> datetime | None:
    """A date means the whole day in Berlin (``to`` includes it); a time without offset is
    Berlin time too."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            # No event lies outside the years events may have: clamp, so that the end of
            # 9999-12-31 or a Berlin midnight of year 1 cannot overflow.
            day = min(max(day, FIRST_DAY), LAST_DAY)
            return day_end(day) if end else day_start(day)
        moment = in_zone(datetime.fromisoformat(value), DEFAULT_TIMEZONE)
    except ValueError as error:
        raise InvalidInput.at(
            parameter, "give a date (YYYY-MM-DD) or an RFC 3339 date-time"
        ) from error
    return min(max(moment, day_start(FIRST_DAY)), day_start(LAST_DAY))


def query_filters(
    from_: Annotated[TimeQuery, Query(alias="from")] = None,
    to: TimeQuery = None,
    topic: Annotated[Code | None, Query(description="About this topic (or a narrower one)")] = None,
    partner_id: Annotated[str | None, Query(max_length=40)] = None,
    organization_id: OrganizationQuery = None,
    language: Annotated[LanguageCode | None, Query(description="ISO 639-1, e.g. de")] = None,
    region: Annotated[RegionCode | None, Query(description="Held in this region")] = None,
    visibility: Visibility | None = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Text in title, description, location")
    ] = None,
) -> QueryFilters:
    start = _moment(from_, "from", end=False)
    finish = _moment(to, "to", end=True)
    if start is not None and finish is not None and finish < start:
        raise InvalidInput.at("to", "must not be before from")
    return QueryFilters(
        start=start,
        end=finish,
        topic=topic,
        partner_id=partner_id,
        organization_id=organization_id,
        language=language,
        region=region,
        visibility=visibility,
        q=q or None,
    )


_BOTH = ("scheduled", "cancelled")


def list_filters(
    query: QueryFilters, taxonomy: Taxonomy, event_status: str | None, *, feed: bool = False
) -> CalendarFilters:
    """The query as the repository reads it. Unless told otherwise, the list shows the
    scheduled events that have not ended, the feed also the last 30 days and cancellations."""
    check_topic_filter(taxonomy, query.topic)
    default_start = utcnow() - FEED_HISTORY if feed else utcnow()
    if event_status is None:
        statuses = _BOTH if feed else ("scheduled",)
    else:
        statuses = _BOTH if event_status == "all" else (event_status,)
    return CalendarFilters(
        ends_from=query.start if query.start is not None else default_start,
        starts_before=query.end,
        topic=query.topic,
        partner_id=query.partner_id,
        organization_id=query.organization_id,
        language=query.language,
        region=query.region,
        visibility=query.visibility,
        q=query.q,
        statuses=statuses,
    )


async def calendar_feed(
    session: AsyncSession,
    *,
    reader: FeedReader,
    query: QueryFilters,
    taxonomy: Taxonomy,
    event_status: str | None,
) -> bytes:
    filters = list_filters(reader.over(query), taxonomy, event_status, feed=True)
    rows = await service.events_for_feed(
        session, principal=reader.principal, filters=filters, limit=FEED_LIMIT
    )
    events = [
        FeedEvent(
            id=event.id,
            title=event.title,
            description=event.description,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            timezone=event.timezone,
            online_url=event.online_url,
            location=event.location,
            topics=list(event.topics),
            language=event.language,
            registration_url=event.registration_url,
            status=event.status,
            sequence=event.version - 1,
            organizer=name,
            created_at=event.created_at,
            updated_at=event.updated_at,
        )
        for event, name in rows
    ]
    # Off the event loop: a large calendar takes a second to render.
    return await asyncio.to_thread(RENDERED.get, events, name="capmatch calendar")
