"""Holds lapse by the clock, not by a write: the sweep that frees them in the database
runs every few minutes, but matching must count their units as free at once.

A feed's ``LapseWatch`` knows when the next pending hold lapses; once that time has
passed, the feed reloads the offers whose holds lapsed since it last looked (their
records subtract lapsed units, ``records.offer_record``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dates import utcnow
from app.matching import repository


def clock() -> datetime:
    """The time holds lapse by (one clock for the watch and the records it reloads)."""
    return utcnow()


class LapseWatch:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """After a load: its base counts every pending hold as held, lapsed or not."""
        self._seen: datetime | None = None  # lapses up to here are applied (None: none)
        self._due: datetime | None = None  # the next pending expiry (None: none known)

    def is_due(self) -> bool:
        return self._due is not None and self._due <= clock()

    async def lapsed(self, session: AsyncSession, *, offers_changed: bool) -> set[str]:
        """Offers whose holds lapsed since the last look. A changed offer may carry a new
        hold that lapses before the one expected next, so it makes the next expiry be read
        again."""
        now = clock()
        lapsed: set[str] = set()
        looked = self._seen is None or (self._due is not None and self._due <= now)
        if looked:
            lapsed = await repository.offers_with_holds_lapsed(session, after=self._seen, until=now)
            self._seen = now
        if looked or offers_changed:
            self._due = await repository.next_hold_lapse(session, after=now)
        return lapsed
