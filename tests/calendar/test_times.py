"""Event times: local times in the event's zone, the rules on their range and order, and
the iCalendar that any event turns into (pure, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from app.calendar.ics import FeedEvent, RenderedCalendars, calendar_ics, text
from app.calendar.rules import event_times
from app.calendar.times import in_zone, shown_in, zone
from app.core.errors import InvalidInput
from tests.calendar.test_ics import assert_valid_ics

ZONES = ["Europe/Berlin", "Europe/Vienna", "Europe/Zurich", "UTC", "America/New_York"]


def test_a_local_time_is_read_in_the_zone_across_summer_time() -> None:
    winter = in_zone(datetime(2027, 1, 20, 14, 0), "Europe/Berlin")
    summer = in_zone(datetime(2027, 7, 20, 14, 0), "Europe/Berlin")
    assert winter.astimezone(UTC).hour == 13
    assert summer.astimezone(UTC).hour == 12
    assert shown_in(summer.astimezone(UTC), "Europe/Berlin").isoformat() == (
        "2027-07-20T14:00:00+02:00"
    )


def test_only_real_zones_are_zones() -> None:
    assert zone("Europe/Berlin") is not None
    assert zone("localtime") is None
    assert zone("../../etc/passwd") is None


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (datetime(2027, 1, 2, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC), "ends_at"),
        (datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 3, 1, tzinfo=UTC), "ends_at"),
        (datetime(1, 1, 1), datetime(2027, 1, 1), "starts_at"),
        (datetime(2027, 1, 1), datetime(9999, 12, 31), "ends_at"),
    ],
)
def test_times_out_of_order_or_range_are_refused(
    start: datetime, end: datetime, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        event_times(start, end, "Europe/Berlin")
    assert [error.field for error in caught.value.errors or []] == [field]


any_text = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=300
)


@settings(max_examples=60, deadline=None)
@given(
    title=any_text.filter(str.strip),
    description=st.none() | any_text,
    location=st.none() | any_text,
    zone_name=st.sampled_from(ZONES),
    start=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2150, 1, 1)),
    minutes=st.integers(0, 60 * 24 * 31),
    sequence=st.integers(0, 10_000),
    cancelled=st.booleans(),
)
def test_any_event_makes_a_valid_calendar(
    title: str,
    description: str | None,
    location: str | None,
    zone_name: str,
    start: datetime,
    minutes: int,
    sequence: int,
    cancelled: bool,
) -> None:
    starts_at = start.replace(tzinfo=UTC, microsecond=0)
    event = FeedEvent(
        id="cev_1",
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        timezone=zone_name,
        online_url="https://meet.example.org/x",
        location=location or None,
        topics=["mask.surgical", "en-14683"],
        language="de",
        registration_url=None,
        status="cancelled" if cancelled else "scheduled",
        sequence=sequence,
        organizer="Musterweberei, GmbH; Reutlingen",
        created_at=datetime(2026, 11, 30, tzinfo=UTC),
        updated_at=datetime(2026, 11, 30, 12, tzinfo=UTC),
    )
    raw = calendar_ics([event], name="capmatch calendar")
    assert_valid_ics(raw)
    parsed: Any
    (parsed,) = Calendar.from_ical(raw).walk("VEVENT")
    assert str(parsed["SUMMARY"]) == text(title)
    assert parsed["DTSTART"].dt == starts_at
    assert int(parsed["SEQUENCE"]) == sequence
    assert str(parsed["STATUS"]) == ("CANCELLED" if cancelled else "CONFIRMED")


def _event(event_id: str, sequence: int = 0) -> FeedEvent:
    moment = datetime(2027, 1, 20, 13, tzinfo=UTC)
    return FeedEvent(
        id=event_id,
        title="Webinar",
        description=None,
        starts_at=moment,
        ends_at=moment + timedelta(hours=1),
        timezone="Europe/Berlin",
        online_url=None,
        location="Erfurt",
        topics=["mask"],
        language=None,
        registration_url=None,
        status="scheduled",
        sequence=sequence,
        organizer=None,
        created_at=moment,
        updated_at=moment,
    )


def test_a_polled_calendar_is_rendered_once_until_it_changes() -> None:
    cache = RenderedCalendars(size=2)
    first = cache.get([_event("cev_1")], name="a")
    assert cache.get([_event("cev_1")], name="a") is first  # found, not rendered again
    changed = cache.get([_event("cev_1", sequence=1)], name="a")
    assert changed is not first
    assert b"SEQUENCE:1" in changed
    assert cache.get([_event("cev_1")], name="other") is not first  # the name counts
    # The oldest falls out when a third calendar comes.
    assert cache.get([_event("cev_1")], name="a") is not first
