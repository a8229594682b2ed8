"""Calendar dates are UTC dates: one 'today' for every rule that compares dates."""

from __future__ import annotations

from datetime import UTC, date, datetime


def today() -> date:
    return datetime.now(UTC).date()
