"""Pure rules of an engagement's life: who may move it where, and what that does to capacity.

    pending --accept (seller)--> accepted --fulfil (either)--> fulfilled
       |                            |
       +--decline (seller)--> declined
       +--cancel (buyer)---> cancelled <--cancel (either)--+
       +--expires_at passes--> expired

A pending engagement holds capacity on the offer (``held``), an accepted one
reserves it (``reserved``); every other status takes nothing (fulfilled work has
been delivered out of the reservation, which stays counted).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from app.offers.rules import CapacityChange

Status = Literal["pending", "accepted", "declined", "cancelled", "expired", "fulfilled"]
Action = Literal["accept", "decline", "cancel", "fulfil"]
Side = Literal["buyer", "seller"]

STATUSES: tuple[Status, ...] = (
    "pending",
    "accepted",
    "declined",
    "cancelled",
    "expired",
    "fulfilled",
)
# Actions after which the request may read fulfilled or open again (they lock it first).
SETTLING_ACTIONS: frozenset[Action] = frozenset({"accept", "cancel"})
TARGET: dict[Action, Status] = {
    "accept": "accepted",
    "decline": "declined",
    "cancel": "cancelled",
    "fulfil": "fulfilled",
}
# (action, from status) -> sides allowed to take it
ALLOWED: dict[tuple[Action, Status], frozenset[Side]] = {
    ("accept", "pending"): frozenset({"seller"}),
    ("decline", "pending"): frozenset({"seller"}),
    ("cancel", "pending"): frozenset({"buyer"}),
    ("cancel", "accepted"): frozenset({"buyer", "seller"}),
    ("fulfil", "accepted"): frozenset({"buyer", "seller"}),
}


def may_take(action: Action) -> frozenset[Side]:
    """The sides that may take ``action`` from some status (who may retry it)."""
    return frozenset().union(*(sides for (a, _), sides in ALLOWED.items() if a == action))


def as_status(value: str) -> Status:
    """A stored status, checked (the table's CHECK constraint allows no other)."""
    if value not in STATUSES:
        raise ValueError(f"unknown engagement status {value!r}")
    return value


def capacity_change(from_status: Status, to_status: Status, quantity: int) -> CapacityChange:
    taken_before = _taken(from_status, quantity)
    taken_after = _taken(to_status, quantity)
    return CapacityChange(
        held=taken_after.held - taken_before.held,
        reserved=taken_after.reserved - taken_before.reserved,
    )


def _taken(status: Status, quantity: int) -> CapacityChange:
    if status == "pending":
        return CapacityChange(held=quantity)
    if status in ("accepted", "fulfilled"):
        return CapacityChange(reserved=quantity)
    return CapacityChange()


def read_status(status: str, expires_at: datetime, *, now: datetime) -> Status:
    """A pending engagement reads ``expired`` from ``expires_at`` on, swept or not."""
    if status == "pending" and expires_at <= now:
        return "expired"
    return as_status(status)


def fairness_limit(total: int, share: float) -> int:
    """Units one buyer's pending holds on one offer may add up to (at least one unit)."""
    return max(1, int(total * share))
