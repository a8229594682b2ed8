"""Time zones of calendar events: pure functions, no I/O.

An event is held somewhere: its instants are stored in UTC and shown in its own IANA time
zone, so ``14:00 Berlin`` stays 14:00 across the change to summer time and reads the same
in a calendar app anywhere.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT_TIMEZONE = "Europe/Berlin"


# Names in the zone database that are not places: the host's own zone and placeholders.
_NOT_PLACES = frozenset({"localtime", "posixrules", "Factory"})


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones()) - _NOT_PLACES


def zone(name: str) -> ZoneInfo | None:
    """The IANA zone called ``name``; None when there is none (``localtime`` and file paths
    are refused: only the database's names are zones here)."""
    if name not in _known_zones():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - listed but unreadable
        return None


def in_zone(moment: datetime, zone_name: str) -> datetime:
    """``moment`` as an aware instant: a local time (no offset) is read in ``zone_name``."""
    if moment.tzinfo is not None:
        return moment
    found = zone(zone_name) or ZoneInfo(DEFAULT_TIMEZONE)
    return moment.replace(tzinfo=found)


def shown_in(moment: datetime, zone_name: str) -> datetime:
    """A stored instant as the event's zone shows it (``2027-01-20T14:00:00+01:00``)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    found = zone(zone_name)
    return aware.astimezone(found) if found is not None else aware.astimezone(UTC)


def day_start(day: date, zone_name: str = DEFAULT_TIMEZONE) -> datetime:
    """Midnight of ``day`` in the zone (a date filter means the day as people there live it)."""
    return datetime.combine(day, time(0), tzinfo=zone(zone_name) or ZoneInfo(DEFAULT_TIMEZONE))


def day_end(day: date, zone_name: str = DEFAULT_TIMEZONE) -> datetime:
    """Midnight after ``day``: a ``to`` date includes the whole day."""
    return day_start(day + timedelta(days=1), zone_name)
