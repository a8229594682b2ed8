"""The situation picture from the matching index's columns: no query, no loop per row.

The index every worker keeps for matching (``app.matching``) holds each active offer and
open request as column arrays, caught up with every committed change. The figures
counted here are exactly those of ``app.analytics.figures`` (the reference, which the
tests hold this to): rows are kept by masks (visible, within the filters), an offer's
weekly supply is one vector operation per week, and groups are summed with
``np.bincount`` over group numbers. What is counted per distinct code mix (a
"profile": the groups its codes make) is worked out once per mix, not per row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import product as cartesian
from typing import Any

import numpy as np
import numpy.typing as npt

from app.analytics.figures import (
    DIMENSIONS,
    Dimension,
    Figure,
    Grouping,
    Key,
    Period,
    cut,
    key_order,
    under,
)
from app.matching.candidates import Candidates
from app.matching.demand_columns import Requests
from app.matching.values import BoolArray, IntArray, Kind, Viewer


@dataclass(frozen=True, slots=True)
class Scope:
    """Who asks and which rows count besides visibility."""

    viewer: Viewer
    region: str | None = None
    country: str | None = None


# Interned numbers (partners, regions, code mixes): 16, 32 or 64 bits as the index chose.
Numbers = npt.NDArray[np.signedinteger[Any]]
Rows = IntArray | slice  # row numbers, or every row
OfferParts = Sequence[tuple[Candidates, BoolArray | None]]
RequestParts = Sequence[tuple[Requests, BoolArray | None]]


class _Cells:
    """The five sums (supply, demand, reserved, offers, requests) per group key."""

    def __init__(self) -> None:
        self.sums: dict[tuple[Key, ...], list[int]] = {}

    def add(self, key: tuple[Key, ...], position: int, value: int) -> None:
        self.sums.setdefault(key, [0, 0, 0, 0, 0])[position] += value

    def figures(self, names: list[Dimension]) -> list[Figure]:
        found = [
            Figure(dict(zip(names, key, strict=True)), *sums)
            for key, sums in self.sums.items()
            if any(sums)
        ]
        return sorted(found, key=lambda figure: key_order(tuple(figure.keys.values())))


def supply_demand(
    offers: OfferParts,
    requests: RequestParts,
    engaged: Mapping[str, int],
    *,
    scope: Scope,
    period: Period,
    grouping: Grouping,
    on: date,
) -> list[Figure]:
    """``app.analytics.figures.figures`` of the indexed market; ``engaged``: units of
    live holds and accepted or fulfilled engagements per request id."""
    cells = _Cells()
    labels = period.labels
    by_week = "week" in grouping.by
    for columns, alive in offers:
        keep = _kept(columns.partner, columns.partners, columns.shared, alive, scope)
        keep &= _in_region(columns.region, columns.regions, scope)
        groups = _Groups(grouping, _offer_profiles(columns), columns.regions)
        keep &= groups.within[columns.profile]
        rows: Rows = slice(None) if keep.all() else np.flatnonzero(keep)  # no gathers: all
        for suffix, units in _supply_by_week(columns, rows, period, on, by_week, labels):
            groups.add(
                cells, rows, columns.region, columns.profile, suffix, {0: units, 3: units > 0}
            )
    for requests_, alive in requests:
        keep = _kept(requests_.partner, requests_.partners, requests_.shared, alive, scope)
        keep &= _in_region(requests_.region, requests_.regions, scope)
        groups = _Groups(grouping, _request_profiles(requests_), requests_.regions)
        keep &= groups.within[requests_.profile]
        week = (requests_.needed_by - period.first_monday.toordinal()) // 7
        keep &= (week >= 0) & (week < period.weeks)
        rows = np.flatnonzero(keep)
        quantity = requests_.quantity[rows].astype(np.int64)
        taken = _engaged(requests_, rows, engaged)
        unreserved, reserved = np.maximum(quantity - taken, 0), np.minimum(quantity, taken)
        for index in range(period.weeks) if by_week else [None]:
            due = np.ones(len(rows), dtype=np.bool_) if index is None else week[rows] == index
            due_key: tuple[Key, ...] = () if index is None else (labels[index],)
            counts = {1: unreserved[due], 2: reserved[due], 4: np.ones(int(due.sum()))}
            groups.add(cells, rows[due], requests_.region, requests_.profile, due_key, counts)
    return cells.figures([d for d in DIMENSIONS if d in grouping.by])


def _kept(
    partner: Numbers,
    partners: tuple[str, ...],
    shared: BoolArray,
    alive: BoolArray | None,
    scope: Scope,
) -> BoolArray:
    keep = np.ones(len(partner), dtype=np.bool_) if alive is None else alive.copy()
    viewer = scope.viewer
    if not viewer.sees_all:
        own = partners.index(viewer.partner_id) if viewer.partner_id in partners else -1
        keep &= shared | (partner == own)
    return keep


def _in_region(region: Numbers, regions: tuple[str, ...], scope: Scope) -> BoolArray:
    """Rows in the scope's region and country (all rows without either)."""
    if scope.region is None and scope.country is None:
        return np.ones(len(region), dtype=np.bool_)
    allowed = np.array(
        [
            (scope.region is None or code == scope.region)
            and (scope.country is None or code.startswith(scope.country + "-"))
            for code in regions
        ]
        + [False],  # -1: no region
        dtype=np.bool_,
    )
    return allowed[np.where(region < 0, len(regions), region)]


def _offer_profiles(columns: Candidates) -> list[list[tuple[Kind, str]]]:
    starts = columns.profile_start.tolist()
    codes = columns.profile_codes.tolist()
    return [
        [columns.codes[j] for j in codes[starts[p] : starts[p + 1]] if j < len(columns.codes)]
        for p in range(len(starts) - 1)
    ]


def _request_profiles(columns: Requests) -> list[list[tuple[Kind, str]]]:
    return [
        [columns.codes[j] for j in row[:size]]
        for row, size in zip(
            columns.profile_codes.tolist(), columns.profile_size.tolist(), strict=True
        )
    ]


class _Groups:
    """Per code mix: whether it passes the code filters and which groups it counts in;
    the distinct groups (without region and week) numbered once."""

    def __init__(
        self,
        grouping: Grouping,
        profiles: list[list[tuple[Kind, str]]],
        regions: tuple[str, ...],
    ) -> None:
        self.by_region, self.regions = "region" in grouping.by, regions
        numbers: dict[tuple[Key, ...], int] = {}
        within, per_profile = [], []
        for codes in profiles:
            skills = [code for kind, code in codes if kind == "skill"]
            products = [code for kind, code in codes if kind == "product"]
            within.append(
                (grouping.skill is None or any(under(c, grouping.skill) for c in skills))
                and (grouping.product is None or any(under(c, grouping.product) for c in products))
            )
            values: list[list[Key]] = []
            for dimension, listed, ancestor in (
                ("skill", skills, grouping.skill),
                ("product", products, grouping.product),
            ):
                if dimension in grouping.by:
                    found = {cut(c, grouping.level) for c in listed if under(c, ancestor)}
                    values.append(list(sorted(found)) if found else [None])
            per_profile.append(
                [numbers.setdefault(combo, len(numbers)) for combo in cartesian(*values)]
            )
        self.within: BoolArray = np.array(within, dtype=np.bool_)
        self.combos = list(numbers)
        counts = np.array([len(ids) for ids in per_profile], dtype=np.int64)
        self.counts: IntArray = counts
        self.starts: IntArray = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        self.ids: IntArray = np.array([i for ids in per_profile for i in ids], dtype=np.int64)

    def add(
        self,
        cells: _Cells,
        rows: Rows,
        region: Numbers,
        profile: Numbers,
        suffix: tuple[Key, ...],
        sums: Mapping[int, npt.NDArray[Any]],
    ) -> None:
        """Add each row's values (position in the five sums -> one value per row) to every
        group it counts in: a bincount over (region, group) numbers."""
        profiles = profile[rows].astype(np.int64)
        if not len(profiles):
            return
        lengths = self.counts[profiles]
        if (lengths == 1).all():  # one group per row (no codes grouped, say): no repeat
            source: IntArray | slice = slice(None)
            combo = self.ids[self.starts[profiles]]
        else:
            source = np.repeat(np.arange(len(profiles)), lengths)
            offsets = np.arange(len(source)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            combo = self.ids[self.starts[profiles][source] + offsets]
        width = len(self.combos)
        pair = combo
        if self.by_region:
            pair = (region[rows].astype(np.int64)[source] + 1) * width + combo
        domain = (len(self.regions) + 1) * width
        totals = {
            position: np.rint(
                np.bincount(pair, weights=values[source].astype(np.float64), minlength=domain)
            ).astype(np.int64)
            for position, values in sums.items()
        }
        present = np.flatnonzero(np.logical_or.reduce([t != 0 for t in totals.values()]))
        for number in present.tolist():
            combo_key = self.combos[number % width]
            if self.by_region:
                index = number // width - 1
                key = (self.regions[index] if index >= 0 else None, *combo_key, *suffix)
            else:
                key = (*combo_key, *suffix)
            for position, total in totals.items():
                cells.add(key, position, int(total[number]))


def _supply_by_week(
    columns: Candidates,
    rows: Rows,
    period: Period,
    on: date,
    by_week: bool,
    labels: list[str],
) -> list[tuple[tuple[Key, ...], IntArray]]:
    """Per week (or for the whole period) each row's supply, as ``figures.weekly_supply``
    counts it: what it can deliver by each Sunday minus by the one before."""
    per_week = columns.per_week[rows].astype(np.int64)
    start = columns.available_from[rows].astype(np.int64)
    until = columns.available_until[rows].astype(np.int64)
    total = columns.capacity_total[rows].astype(np.int64)
    whole = per_week * (until - start + 1) // 7
    remaining = np.where(total >= 0, total, whole) - columns.reserved[rows].astype(np.int64)
    first = np.maximum(start, on.toordinal() + columns.lead_time_days[rows].astype(np.int64))
    first = np.maximum(first, period.first_monday.toordinal())

    def by(sunday: int) -> IntArray:
        days = np.clip(np.minimum(sunday, until) - first + 1, 0, None)
        deliverable: IntArray = np.maximum(np.minimum(per_week * days // 7, remaining), 0)
        return deliverable

    sundays = period.sundays().tolist()
    if not by_week:
        return [((), by(sundays[-1]))]
    weeks: list[tuple[tuple[Key, ...], IntArray]] = []
    before = np.zeros(len(per_week), dtype=np.int64)
    for week, label in enumerate(labels):
        upto = by(sundays[week + 1])
        weeks.append(((label,), upto - before))
        before = upto
    return weeks


def _engaged(columns: Requests, rows: IntArray, engaged: Mapping[str, int]) -> IntArray:
    taken = np.zeros(len(rows), dtype=np.int64)
    if not engaged or not len(rows):
        return taken
    position = {row: i for i, row in enumerate(rows.tolist())}
    for request_id, units in engaged.items():
        row = columns.row_of(request_id)
        if row is not None and row in position:
            taken[position[row]] = units
    return taken
