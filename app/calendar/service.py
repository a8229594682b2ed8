"""The shared calendar: events posted by members, read across the networks.

Rules: a member (partner or organisation key) posts for an organisation it acts for;
``network`` events are seen by the owning partner's members, ``shared`` ones by everyone.
A DELETE cancels: the event stays (``status: cancelled``) so that feeds carry the
cancellation to calendars that hold it. Every change raises ``sequence`` and writes a
``calendar_event.*`` event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.calendar.repository import CalendarFilters, CalendarRepository, EventKey
from app.calendar.rules import event_times
from app.calendar.schemas import CalendarEventCreate, CalendarEventOut, CalendarEventUpdate
from app.core.dates import utcnow
from app.core.errors import Conflict, InvalidInput, NotFound
from app.core.ids import new_id
from app.core.pagination import PageParams, Window, encode_cursor
from app.core.schemas import patch_changes
from app.events.outbox import Party, ResourceChanged, publish_changes
from app.models import CalendarEvent
from app.organizations.acting import acting_organization
from app.organizations.events import OrganizationClosed
from app.taxonomy.topics import check_topics, topic_terms
from app.taxonomy.vocabulary import Taxonomy
from app.web.http import check_if_match

Named = tuple[CalendarEvent, str | None]


class CalendarEventNotFound(NotFound):
    pass


class CalendarEventCancelled(Conflict):
    title = "Event is cancelled"


async def announce(session: AsyncSession, events: Sequence[Named], type: str) -> None:
    await publish_changes(
        session,
        [
            ResourceChanged(
                type=type,
                object=CalendarEventOut.of(event, name).model_dump(mode="json"),
                owner=Party(event.partner_id, event.organization_id),
            )
            for event, name in events
        ],
    )


async def create_event(
    session: AsyncSession, *, principal: Principal, data: CalendarEventCreate, taxonomy: Taxonomy
) -> Named:
    check_topics(taxonomy, data.topics)
    organization = await acting_organization(
        session, principal=principal, organization_id=data.organization_id
    )
    starts_at, ends_at = event_times(data.starts_at, data.ends_at, data.timezone)
    now = utcnow()
    event = CalendarEvent(
        id=new_id("cev"),
        partner_id=organization.partner_id,
        organization_id=organization.id,
        title=data.title,
        description=data.description,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=data.timezone,
        online_url=data.online_url,
        location=data.location,
        region=data.region or organization.region,
        topics=data.topics,
        topic_terms=topic_terms(data.topics),
        language=data.language,
        visibility=data.visibility,
        registration_url=data.registration_url,
        status="scheduled",
        created_at=now,
        updated_at=now,
    )
    await CalendarRepository(session).add(event)
    named = (event, organization.name)
    await announce(session, [named], "calendar_event.created")
    return named


async def get_visible_event(session: AsyncSession, *, principal: Principal, event_id: str) -> Named:
    found = await CalendarRepository(session).get_visible(event_id, principal)
    if found is None:
        raise CalendarEventNotFound(f"Calendar event {event_id} not found.")
    return found


async def get_owned_event(session: AsyncSession, *, principal: Principal, event_id: str) -> Named:
    """An event the caller may change (its own, or one of its partner's members'): else 404."""
    found = await CalendarRepository(session).get_owned(event_id, principal)
    if found is None:
        raise CalendarEventNotFound(f"Calendar event {event_id} not found.")
    return found


def _page_key(cursor_id: str | None) -> EventKey | None:
    if cursor_id is None:
        return None
    moment, _, event_id = cursor_id.partition("|")
    try:
        starts_at = datetime.fromisoformat(moment)
    except ValueError as error:
        raise InvalidInput.at("cursor", "not a cursor returned by this API") from error
    if not event_id or starts_at.tzinfo is None:
        raise InvalidInput.at("cursor", "not a cursor returned by this API")
    return EventKey(starts_at=starts_at, id=event_id)


async def list_events(
    session: AsyncSession, *, principal: Principal, filters: CalendarFilters, page: PageParams
) -> Window[Named]:
    """The visible events matching ``filters`` in time order, a page at a time."""
    rows = await CalendarRepository(session).in_time_order(
        principal, filters, after=_page_key(page.after_id), limit=page.limit + 1
    )
    has_more = len(rows) > page.limit
    items = rows[: page.limit]
    cursor = None
    if has_more and items:
        last = items[-1][0]
        cursor = encode_cursor(f"{last.starts_at.isoformat()}|{last.id}")
    return Window(items=items, has_more=has_more, next_cursor=cursor)


async def events_for_feed(
    session: AsyncSession, *, principal: Principal, filters: CalendarFilters, limit: int
) -> Sequence[Named]:
    return await CalendarRepository(session).in_time_order(
        principal, filters, after=None, limit=limit
    )


async def update_event(
    session: AsyncSession,
    *,
    named: Named,
    data: CalendarEventUpdate,
    if_match: str | None,
    taxonomy: Taxonomy,
) -> Named:
    event = named[0]
    check_if_match(if_match, event.version)
    if event.status == "cancelled":
        raise CalendarEventCancelled(
            f"Calendar event {event.id} is cancelled; post a new event instead."
        )
    changes = patch_changes(data)
    if "topics" in changes:
        check_topics(taxonomy, changes["topics"])
        event.topic_terms = topic_terms(changes["topics"])
    zone_name = changes.get("timezone", event.timezone)
    if {"starts_at", "ends_at", "timezone"} & changes.keys():
        starts_at, ends_at = event_times(
            changes.pop("starts_at", event.starts_at),
            changes.pop("ends_at", event.ends_at),
            zone_name,
        )
        event.starts_at, event.ends_at = starts_at, ends_at
    for field, value in changes.items():
        setattr(event, field, value)
    if session.is_modified(event):
        event.updated_at = utcnow()
        await session.flush()
        await announce(session, [named], "calendar_event.updated")
    return named


def _cancel(event: CalendarEvent, at: datetime) -> None:
    event.status = "cancelled"
    event.cancelled_at = event.updated_at = at


async def cancel_event(session: AsyncSession, *, named: Named, if_match: str | None) -> Named:
    """Cancel (the soft DELETE); cancelling a cancelled event changes nothing."""
    event = named[0]
    check_if_match(if_match, event.version)
    if event.status == "cancelled":
        return named
    _cancel(event, utcnow())
    await session.flush()
    await announce(session, [named], "calendar_event.cancelled")
    return named


async def cancel_events_of_closed_organization(
    session: AsyncSession, event: OrganizationClosed
) -> None:
    """An organisation that leaves the market holds no more events: its upcoming ones are
    cancelled (and calendars that subscribed learn it)."""
    upcoming = await CalendarRepository(session).scheduled_of(
        event.organization_id, ends_from=event.closed_at
    )
    for row, _ in upcoming:
        _cancel(row, event.closed_at)
    if upcoming:
        await session.flush()
        await announce(session, upcoming, "calendar_event.cancelled")
