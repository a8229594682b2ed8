"""The calendar as iCalendar (RFC 5545), built with the ``icalendar`` package. Pure.

Calendar apps subscribe to the feed and poll it. What keeps their copies right:
- ``UID`` is the event's id, stable for its life, so a changed event replaces its copy;
- ``SEQUENCE`` rises with every change and ``DTSTAMP``/``LAST-MODIFIED`` are the time of
  the last one, so an app that compares them takes the newer version;
- a cancelled event stays in the feed with ``STATUS:CANCELLED`` (apps remove or strike it);
- times carry their ``TZID`` with a ``VTIMEZONE`` for it, so 14:00 in Berlin stays 14:00
  in Berlin, summer time included, whatever zone the reader lives in.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event

from app.calendar.times import shown_in

PRODUCT_ID = "-//capmatch//calendar 1.0//EN"
UID_DOMAIN = "capmatch"
REFRESH = timedelta(hours=1)
ICS_MEDIA_TYPE = "text/calendar; charset=utf-8"
# Rendered calendars kept per process (bench/calendar_feed.py: 2,000 events take about a
# second to render, a cached one a few milliseconds to find); at most ~1.5 MB each.
CACHED_CALENDARS = 16


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """What the feed shows of an event (a stored row and its organiser's name)."""

    id: str
    title: str
    description: str | None
    starts_at: datetime
    ends_at: datetime
    timezone: str
    online_url: str | None
    location: str | None
    topics: Sequence[str]
    language: str | None
    registration_url: str | None
    status: str
    sequence: int
    organizer: str | None
    created_at: datetime
    updated_at: datetime


def event_uid(event_id: str) -> str:
    return f"{event_id}@{UID_DOMAIN}"


def text(value: str) -> str:
    """Text as iCalendar carries it: its one line break is LF (``\\n``); a CR on its own
    would come back as LF, so it is one here already (the feed says what readers see)."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _description(event: FeedEvent) -> str | None:
    parts = [event.description] if event.description else []
    if event.organizer:
        parts.append(f"Organiser: {event.organizer}")
    if event.online_url:
        parts.append(f"Online: {event.online_url}")
    if event.registration_url:
        parts.append(f"Registration: {event.registration_url}")
    return "\n\n".join(parts) or None


def _vevent(event: FeedEvent) -> Event:
    vevent = Event()
    vevent.add("uid", event_uid(event.id))
    vevent.add("dtstamp", _utc(event.updated_at))
    vevent.add("created", _utc(event.created_at))
    vevent.add("last-modified", _utc(event.updated_at))
    vevent.add("sequence", event.sequence)
    vevent.add("dtstart", shown_in(event.starts_at, event.timezone))
    vevent.add("dtend", shown_in(event.ends_at, event.timezone))
    language = {"LANGUAGE": event.language} if event.language else {}
    vevent.add("summary", text(event.title), parameters=language)
    description = _description(event)
    if description is not None:
        vevent.add("description", text(description), parameters=language)
    place = event.location or event.online_url
    if place:
        vevent.add("location", text(place))
    link = event.registration_url or event.online_url
    if link:
        vevent.add("url", link, parameters={"VALUE": "URI"})
    if event.topics:
        vevent.add("categories", list(event.topics))
    vevent.add("status", "CANCELLED" if event.status == "cancelled" else "CONFIRMED")
    # Others' events inform; they do not make the reader busy.
    vevent.add("transp", "TRANSPARENT")
    vevent.add("class", "PUBLIC")
    return vevent


def _zone_span(events: Iterable[FeedEvent]) -> tuple[date, date]:
    days = [moment.date() for event in events for moment in (event.starts_at, event.ends_at)]
    if not days:
        return date(1970, 1, 1), date(1970, 1, 2)
    return min(days) - timedelta(days=366), max(days) + timedelta(days=366)


def calendar_ics(events: Sequence[FeedEvent], *, name: str) -> bytes:
    """One VCALENDAR with a VEVENT per event and a VTIMEZONE per zone the events use."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    for event in events:
        calendar.add_component(_vevent(event))
    first, last = _zone_span(events)
    calendar.add_missing_timezones(first_date=first, last_date=last)
    ics: bytes = calendar.to_ical()
    return ics


class RenderedCalendars:
    """The last few calendars rendered, by what they were rendered from.

    Calendar apps poll the same feed again and again, and mostly nothing has changed: the
    events read (every field, ``sequence`` included) and the name are the key, so an
    unchanged calendar is found instead of rendered, and any change renders anew. Safe to
    call from several threads (rendering runs off the event loop).
    """

    def __init__(self, size: int = CACHED_CALENDARS) -> None:
        self.size = size
        self._found: OrderedDict[bytes, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, events: Sequence[FeedEvent], *, name: str) -> bytes:
        key = hashlib.sha256(repr((name, tuple(events))).encode()).digest()
        with self._lock:
            found = self._found.get(key)
            if found is not None:
                self._found.move_to_end(key)
                return found
        rendered = calendar_ics(events, name=name)
        with self._lock:
            self._found[key] = rendered
            while len(self._found) > self.size:
                self._found.popitem(last=False)
        return rendered
