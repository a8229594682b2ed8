"""Pure rules about offers: how much they hold and how their status reads on a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from app.market.lifecycle import read_status

OPEN_STATUSES = ("draft", "active", "paused")


class HasCapacity(Protocol):
    @property
    def capacity_per_week(self) -> int: ...
    @property
    def capacity_total(self) -> int | None: ...
    @property
    def available_from(self) -> date: ...
    @property
    def available_until(self) -> date: ...


def total_quantity(offer: HasCapacity) -> int:
    """An explicit total, or per-week capacity over the whole window (both ends inclusive)."""
    if offer.capacity_total is not None:
        return offer.capacity_total
    days = (offer.available_until - offer.available_from).days + 1
    return max(0, offer.capacity_per_week * days // 7)


def effective_status(status: str, available_until: date, *, on: date) -> str:
    """An open offer whose window has ended reads as ``expired``."""
    return read_status(status, available_until, open_statuses=OPEN_STATUSES, on=on)


@dataclass(frozen=True, slots=True)
class CapacityChange:
    """A change to an offer's counters, in units (negative: given back)."""

    held: int = 0
    reserved: int = 0
