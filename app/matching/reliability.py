"""Trust from history: how reliably an organisation has delivered as a seller.

Pure: an organisation's track record (counts of its engagements as the seller) in, a
``reliability`` factor in (0, 1) out. The record is smoothed with a Beta prior, so a
newcomer sits exactly at the prior mean and never at 0, and every deal moves it a little:

    reliability = (a + fulfilled + r * answered) / (a + b + fulfilled + failed + r * holds)

with a = ``PRIOR_FULFILLED``, b = ``PRIOR_FAILED`` (prior mean a / (a + b) = 0.75), r =
``RESPONSE_WEIGHT`` (a hold's answer counts a quarter of a deal's outcome), ``answered``
the holds answered within ``FAST_RESPONSE_HOURS`` (and every fulfilled one) plus half of
those answered later, and ``holds`` every hold answered or left to lapse. ``failed``:
accepted, then cancelled (API.md "Trust from history": cancelled or declined after
acceptance). A further fulfilled engagement adds the same to both sides of a fraction
below 1, so it never lowers the value; the same for a hold answered in time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

PRIOR_FULFILLED = 3.0
PRIOR_FAILED = 1.0
RESPONSE_WEIGHT = 0.25
FAST_RESPONSE_HOURS = 24
LATE_ANSWER_CREDIT = 0.5  # an answer after FAST_RESPONSE_HOURS, before the hold lapsed


@dataclass(frozen=True, slots=True, order=True)
class TrackRecord:
    """An organisation's engagements as the seller, counted by how they went."""

    fulfilled: int = 0  # accepted and fulfilled
    failed: int = 0  # accepted, then cancelled
    answered_fast: int = 0  # holds accepted or declined within FAST_RESPONSE_HOURS
    answered_late: int = 0  # ... later, before they lapsed
    lapsed: int = 0  # holds left unanswered until they expired

    @property
    def settled(self) -> int:
        """Accepted engagements that ended: fulfilled or failed."""
        return self.fulfilled + self.failed

    @property
    def reliability(self) -> float:
        answered = self.answered_fast + LATE_ANSWER_CREDIT * self.answered_late
        holds = self.answered_fast + self.answered_late + self.lapsed
        successes = PRIOR_FULFILLED + self.fulfilled + RESPONSE_WEIGHT * answered
        trials = PRIOR_FULFILLED + PRIOR_FAILED + self.settled + RESPONSE_WEIGHT * holds
        return successes / trials


NEWCOMER = TrackRecord()
PRIOR_MEAN = NEWCOMER.reliability  # 0.75


def track_record(
    engagements: Iterable[tuple[str, datetime, datetime | None, datetime | None]],
) -> TrackRecord:
    """Count one seller's engagements, each (status, created_at, accepted_at, closed_at).

    Answered: accepted (whatever came after) at ``accepted_at``, declined at ``closed_at``.
    Pending ones and those the buyer withdrew before an answer count for nothing.
    """
    counts = dict.fromkeys(("fulfilled", "failed", "answered_fast", "answered_late", "lapsed"), 0)
    fast = timedelta(hours=FAST_RESPONSE_HOURS)
    for status, created_at, accepted_at, closed_at in engagements:
        if status == "fulfilled":
            counts["fulfilled"] += 1
        elif status == "cancelled" and accepted_at is not None:
            counts["failed"] += 1
        elif status == "expired":
            counts["lapsed"] += 1
        answered_at = closed_at if status == "declined" else accepted_at
        if status == "fulfilled":
            # A deal delivered answers for itself: however slow the first answer, one
            # more fulfilled engagement must never lower the value (a late answer alone
            # would, for a seller already above 0.9).
            counts["answered_fast"] += 1
        elif answered_at is not None:
            counts["answered_fast" if answered_at - created_at <= fast else "answered_late"] += 1
    return TrackRecord(**counts)
