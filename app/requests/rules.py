"""Pure rules about requests."""

from __future__ import annotations

from datetime import date

from app.market.lifecycle import read_status

OPEN_STATUSES = ("open",)


def effective_status(status: str, needed_by: date, *, on: date) -> str:
    """An open request whose date has passed reads as ``expired``."""
    return read_status(status, needed_by, open_statuses=OPEN_STATUSES, on=on)


def covers(accepted: int, wanted: int) -> bool:
    """A request reads fulfilled once accepted (or fulfilled) engagements cover it."""
    return accepted >= wanted
