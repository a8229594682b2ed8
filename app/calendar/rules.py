"""The rules of a calendar event's times, topics and links: pure, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.calendar.times import in_zone
from app.core.errors import InvalidInput

MAX_DURATION = timedelta(days=31)
# Far enough for any real event, near enough that every zone's offset stays in range.
EARLIEST_YEAR, LATEST_YEAR = 1970, 2200


def event_times(
    starts_at: datetime, ends_at: datetime, zone_name: str
) -> tuple[datetime, datetime]:
    """Both instants in UTC, local times read in ``zone_name``; 422 naming the field when
    they are out of range, end before the start or span more than a month."""
    for field, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
            raise InvalidInput.at(field, f"must lie between {EARLIEST_YEAR} and {LATEST_YEAR}")
    # Whole seconds: iCalendar has no fractions, and the feed must say what the API says.
    start = in_zone(starts_at, zone_name).astimezone(UTC).replace(microsecond=0)
    end = in_zone(ends_at, zone_name).astimezone(UTC).replace(microsecond=0)
    if end < start:
        raise InvalidInput.at("ends_at", "must not be before starts_at")
    if end - start > MAX_DURATION:
        raise InvalidInput.at("ends_at", "an event lasts at most 31 days; post a series as events")
    return start, end
