"""Calendar dates are UTC dates: one 'today' for every rule that compares dates."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    """The current instant, timezone-aware (UTC): the only clock timestamps come from."""
    return datetime.now(UTC)


def today() -> date:
    return datetime.now(UTC).date()
