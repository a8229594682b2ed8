"""Supply against demand per group of region, skill, product and week: pure, vectorised.

How a week's figures are counted (the docs' "Situation picture" quotes this):

- The period is ``weeks`` ISO weeks (Monday to Sunday), the first the one holding
  ``from``.
- **Supply** of an offer: it can produce ``capacity_per_week / 7`` units a day from its
  first producible day (``available_from``, or today plus ``lead_time_days`` if later) to
  ``available_until``, both inclusive. Counted from the period's first day (what it
  could make before the period is not assumed booked): what it can deliver by the end
  of a day is that rate times its producible days in the period so far, rounded down,
  and never more than its remaining quantity (total minus reserved minus held), so
  capacity is taken earliest first. A week's supply is what it can deliver by that
  Sunday minus what it could by the Sunday before; an offer's weeks add up to what it
  can deliver in the period.
- **Demand** of a request: its unreserved quantity (quantity minus the units of its
  pending holds and accepted engagements), in the week of its ``needed_by``.
  **Reserved**: those held and accepted units, in the same week.
- ``coverage`` = min(1, supply / demand), 1 when there is no demand; ``shortage`` =
  max(0, demand - supply).
- An offer or request counts in every group of the codes it names (an offer of sewing
  and cutting counts under both skills; cut to ``level`` segments, each group once). One
  that names no code of a grouped kind counts under ``null``.
- ``active_offers``: the offers with supply in the group (and week); ``open_requests``:
  the requests due in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np
import numpy.typing as npt

Dimension = Literal["region", "skill", "product", "week"]
DIMENSIONS: tuple[Dimension, ...] = ("region", "skill", "product", "week")
IntArray = npt.NDArray[np.int64]
Key = str | None


@dataclass(frozen=True, slots=True)
class Period:
    first_monday: date
    weeks: int

    @classmethod
    def starting(cls, day: date, weeks: int) -> Period:
        return cls(day - timedelta(days=day.weekday()), weeks)

    @property
    def labels(self) -> list[str]:
        """ISO week labels, ``2026-W49``."""
        labels = []
        for week in range(self.weeks):
            year, number, _ = (self.first_monday + timedelta(weeks=week)).isocalendar()
            labels.append(f"{year}-W{number:02d}")
        return labels

    def sundays(self) -> IntArray:
        """Day ordinals of the Sunday before the period and of each of its Sundays."""
        start = self.first_monday.toordinal() - 1
        return start + 7 * np.arange(self.weeks + 1, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Supply:
    """Visible active offers, one entry each (days as ``date.toordinal()``)."""

    regions: Sequence[Key]
    skills: Sequence[Sequence[str]]
    products: Sequence[Sequence[str]]
    per_week: IntArray
    remaining: IntArray
    first_day: IntArray  # first producible day
    last_day: IntArray


@dataclass(frozen=True, slots=True)
class Demand:
    """Visible open requests, one entry each."""

    regions: Sequence[Key]
    skills: Sequence[Sequence[str]]
    products: Sequence[Sequence[str]]
    unreserved: IntArray
    reserved: IntArray
    due: IntArray  # needed_by


@dataclass(frozen=True, slots=True)
class Grouping:
    by: tuple[Dimension, ...]
    level: int | None = None  # taxonomy codes cut to this many segments
    # Filters by skill or product: only the codes under them make groups.
    skill: str | None = None
    product: str | None = None


@dataclass(frozen=True, slots=True)
class Figure:
    keys: dict[Dimension, Key]
    supply: int
    demand: int
    reserved: int
    active_offers: int
    open_requests: int

    @property
    def coverage(self) -> float:
        return 1.0 if self.demand == 0 else min(1.0, self.supply / self.demand)

    @property
    def shortage(self) -> int:
        return max(0, self.demand - self.supply)


def weekly_supply(supply: Supply, period: Period) -> IntArray:
    """Units per offer (rows) and week (columns), as the module docstring counts them."""
    sundays = period.sundays()
    if len(supply.per_week) == 0:
        return np.zeros((0, period.weeks), dtype=np.int64)
    last = np.minimum(sundays[None, :], supply.last_day[:, None])
    first = np.maximum(supply.first_day, period.first_monday.toordinal())
    days = np.clip(last - first[:, None] + 1, 0, None)
    deliverable = np.minimum(supply.per_week[:, None] * days // 7, supply.remaining[:, None])
    weekly: IntArray = np.diff(np.maximum(deliverable, 0), axis=1)
    return weekly


def due_weeks(demand: Demand, period: Period) -> IntArray:
    """Per request the index of the week it is due in, -1 outside the period."""
    week = (demand.due - period.first_monday.toordinal()) // 7
    return np.where((week >= 0) & (week < period.weeks), week, -1)


def under(code: str, ancestor: str | None) -> bool:
    """Whether ``code`` is ``ancestor`` or narrower (any code without an ancestor)."""
    return ancestor is None or code == ancestor or code.startswith(ancestor + ".")


def cut(code: str, level: int | None) -> str:
    return code if level is None else ".".join(code.split(".")[:level])


def figures(supply: Supply, demand: Demand, period: Period, grouping: Grouping) -> list[Figure]:
    """Every group with supply, demand or reserved units or a count, ordered by its keys."""
    by_week = "week" in grouping.by
    cells: dict[tuple[Key, ...], list[int]] = {}
    weekly = weekly_supply(supply, period)
    for row, group in _exploded(supply.regions, supply.skills, supply.products, grouping):
        units = weekly[row]
        if by_week:
            for column in np.flatnonzero(units):
                _add(cells, (*group, period.labels[column]), (int(units[column]), 0, 0, 1, 0))
        elif (total := int(units.sum())) > 0:
            _add(cells, group, (total, 0, 0, 1, 0))
    weeks = due_weeks(demand, period)
    for row, group in _exploded(demand.regions, demand.skills, demand.products, grouping):
        week = int(weeks[row])
        if week < 0:
            continue
        key = (*group, period.labels[week]) if by_week else group
        _add(cells, key, (0, int(demand.unreserved[row]), int(demand.reserved[row]), 0, 1))
    names = [dimension for dimension in DIMENSIONS if dimension in grouping.by]
    return [
        Figure(dict(zip(names, key, strict=True)), *values)
        for key, values in sorted(cells.items(), key=lambda item: key_order(item[0]))
    ]


def _add(
    cells: dict[tuple[Key, ...], list[int]], key: tuple[Key, ...], values: tuple[int, ...]
) -> None:
    """Add (supply, demand, reserved, offers, requests) to the group's cell."""
    cell = cells.setdefault(key, [0, 0, 0, 0, 0])
    for position, value in enumerate(values):
        cell[position] += value


def _exploded(
    regions: Sequence[Key],
    skills: Sequence[Sequence[str]],
    products: Sequence[Sequence[str]],
    grouping: Grouping,
) -> list[tuple[int, tuple[Key, ...]]]:
    """(row, group keys without the week) for every group an entry counts in."""
    found: list[tuple[int, tuple[Key, ...]]] = []
    for row, region in enumerate(regions):
        combos: list[tuple[Key, ...]] = [()]
        for dimension in DIMENSIONS:
            if dimension not in grouping.by or dimension == "week":
                continue
            if dimension == "region":
                values: list[Key] = [region]
            else:
                codes, within = (
                    (skills[row], grouping.skill)
                    if dimension == "skill"
                    else (products[row], grouping.product)
                )
                cuts = {cut(code, grouping.level) for code in codes if under(code, within)}
                values = list(sorted(cuts)) if cuts else [None]
            combos = [(*combo, value) for combo in combos for value in values]
        found.extend((row, combo) for combo in combos)
    return found


def key_order(key: tuple[Key, ...]) -> tuple[tuple[bool, str], ...]:
    """Groups in order of their keys, ``null`` after every value."""
    return tuple((value is None, value or "") for value in key)
