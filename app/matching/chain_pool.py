"""Which offers may take each step of a production chain, as small column arrays.

Pure (numpy, no I/O): ``app.matching.chains`` searches teams over these pools. Every
filter here is vectorised over the index's columns (``Candidates``), so a call never
loops over the market's offers in Python; only the few hundred offers a step keeps
become Python values (their ids).

A step's pool holds the offers that pass its hard filters on their own (active and not
expired, visible, not the requester's, covering the step's skill, able to deliver
something by ``needed_by``); the last step's also deliver in the request's unit, hold
its required certifications on ``needed_by`` and reach the delivery point. An upstream
offer is kept only when it could reach some offer of the next step's pool: its distance
to the delivery point is at most its service radius plus the farthest that pool's offers
are from it (triangle inequality). Each pool then keeps its ``POOL_SIZE`` best offers by
their figures alone (``merit``), so the team search costs the same at any market size.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from app.geo.distance import haversine_km_array
from app.matching.candidates import Candidates, window_total
from app.matching.values import (
    DISTANCE_SCALE_KM,
    FULL_TIME_DAYS,
    BoolArray,
    FloatArray,
    IntArray,
    Viewer,
)

POOL_SIZE = 512  # offers per step that the team search looks at (bench/README.md)
# How a chain scores (docs/guides/chains.md): quantity covered, nearness, time to spare.
CHAIN_WEIGHTS = {"quantity": 0.4, "distance": 0.3, "time": 0.3}

Parts = Sequence[tuple[Candidates, BoolArray | None]]


@dataclass(frozen=True, slots=True)
class ChainWant:
    """What a request asks of a chain's last step and of its timing."""

    quantity: int
    unit: str
    needed_by: date
    today: date
    lat: float
    lon: float
    max_distance_km: float | None = None
    required_certifications: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Pool:
    """The offers that may take one step, sorted by offer id (a row is also a tie-break)."""

    skill: str
    ids: list[str]
    key: IntArray  # the offer's identity across steps (an offer takes one step at most)
    lat: FloatArray
    lon: FloatArray
    radius: FloatArray  # NaN: unlimited
    lead: IntArray
    available_from: IntArray  # date ordinals
    available_until: IntArray
    per_week: IntArray
    total: IntArray  # over the whole window
    reserved: IntArray
    units: list[str]
    same_unit: BoolArray
    to_delivery: FloatArray  # km from the delivery point
    # The last step's: 0, or when a required certificate in progress is expected
    certified_from: IntArray

    def __len__(self) -> int:
        return len(self.ids)


def deliverable(
    per_week: IntArray, total: IntArray, reserved: IntArray, start: IntArray, end: IntArray
) -> IntArray:
    """Units made from ``start`` to ``end`` (inclusive) as matching counts them: per-week
    capacity over the days, at most the window's total, less what engagements hold."""
    in_time = per_week * np.maximum(0, end - start + 1) // 7
    made: IntArray = np.maximum(0, np.minimum(total, in_time) - reserved)
    return made


def _code_rows(c: Candidates, kind: str, code: str) -> BoolArray:
    """Per row: does the offer name ``code`` or a more specific code of ``kind``?"""
    hits = np.array(
        [k == kind and (o == code or o.startswith(code + ".")) for k, o in c.codes] + [False],
        dtype=np.bool_,
    )
    per_profile = np.zeros(c.profile_start.size - 1, dtype=np.bool_)
    if per_profile.size:
        per_profile = np.logical_or.reduceat(hits[c.profile_codes], c.profile_start[:-1])
    found: BoolArray = per_profile[c.profile]
    return found


NEVER = np.iinfo(np.int64).max  # the certificates never count (not held, expired)


def _certified_from(c: Candidates, rows: IntArray, codes: Sequence[str], on: int) -> IntArray:
    """Per row: from when the offer's organisation has every one of ``codes`` (a more
    specific code counts, as in matching): 0 when each is held and valid on ``on``, the
    date (ordinal) the last of those in progress is expected, or ``NEVER``."""
    since = np.zeros(rows.size, dtype=np.int64)
    profiles = c.cert_profile[rows]
    # Columns of certifications in progress (API.md "Certification in progress"), in an
    # index that has them: such a certificate counts from its expected date.
    expected_by = getattr(c, "cert_expected_by", None)
    for code in codes:
        best = np.full(rows.size, NEVER, dtype=np.int64)
        for j, have in enumerate(c.cert_codes):
            if have == code or have.startswith(code + "."):
                valid = c.cert_valid_until[profiles, j] >= on  # NOT_HELD is below any date
                expected = 0 if expected_by is None else expected_by[profiles, j]
                best = np.where(valid, np.minimum(best, expected), best)
        since = np.maximum(since, best)
    return since


@dataclass(slots=True)
class _Part:
    """One part of the index with what every step asks of its rows worked out once."""

    c: Candidates
    offset: int  # keys of this part's rows start here
    rows: IntArray  # rows passing the filters every step shares
    start: IntArray  # earliest standalone start of those rows
    covers: dict[str, BoolArray]  # per skill of the recipe: does the row's offer cover it


def _parts(
    parts: Parts,
    want: ChainWant,
    recipe: Sequence[str],
    viewer: Viewer | None,
    excluded: Collection[str],
) -> list[_Part]:
    today, needed_by = want.today.toordinal(), want.needed_by.toordinal()
    found, offset = [], 0
    for c, alive in parts:
        n = len(c)
        if not n:
            continue
        # The skills first: they leave a small part of the market to look at further.
        covers = {skill: _code_rows(c, "skill", skill) for skill in recipe}
        keep = np.logical_or.reduce(list(covers.values()))
        keep &= c.available_until >= today  # the index holds only active offers
        if alive is not None:
            keep &= alive
        if viewer is not None and not viewer.sees_all:
            partner = c.partners.index(viewer.partner_id) if viewer.partner_id in c.partners else -1
            keep &= c.shared | (c.partner == partner)
        if excluded:
            keep[c.rows_of(excluded)] = False
        rows = np.flatnonzero(keep)
        available_from = c.available_from[rows].astype(np.int64)
        available_until = c.available_until[rows].astype(np.int64)
        start = np.maximum(available_from, today + c.lead_time_days[rows].astype(np.int64))
        end = np.minimum(available_until, needed_by)
        # Something deliverable even when started as early as it can be: a chain starts
        # it later, never earlier.
        per_week = c.per_week[rows].astype(np.int64)
        total = window_total(per_week, c.capacity_total[rows], available_from, available_until)
        made = deliverable(per_week, total, c.reserved[rows], start, end)
        ok = (start <= end) & (made > 0)
        rows = rows[ok]
        covered = {skill: rows_covered[rows] for skill, rows_covered in covers.items()}
        found.append(_Part(c, offset, rows, start[ok], covered))
        offset += n
    return found


@dataclass(frozen=True, slots=True)
class _Found:
    """A part's rows that may take a step: positions into its ``rows``, their distance to
    the delivery point, and the day each may start at the earliest for other reasons than
    its window (a required certificate still in progress: 0 when there is none)."""

    part: _Part
    at: IntArray
    distance: FloatArray
    not_before: IntArray

    def taking(self, keep: IntArray | BoolArray) -> _Found:
        return _Found(self.part, self.at[keep], self.distance[keep], self.not_before[keep])


def _pool(skill: str, want: ChainWant, picks: list[_Found]) -> Pool:
    """The chosen rows (``picks``) as one pool."""
    chunks: dict[str, list[npt.NDArray[Any]]] = {name: [np.zeros(0)] for name in _COLUMNS}
    ids: list[str] = []
    units: list[str] = []
    for pick in picks:
        part = pick.part
        c, rows = part.c, part.rows[pick.at]
        per_week = c.per_week[rows].astype(np.int64)
        available_from = np.maximum(c.available_from[rows], pick.not_before)
        available_until = c.available_until[rows].astype(np.int64)
        values = {
            "key": part.offset + rows,
            "lat": c.lat[rows],
            "lon": c.lon[rows],
            "radius": c.service_radius_km[rows],
            "lead": c.lead_time_days[rows],
            "available_from": available_from,
            "available_until": available_until,
            "per_week": per_week,
            "total": window_total(
                per_week, c.capacity_total[rows], available_from, available_until
            ),
            "reserved": c.reserved[rows],
            "certified_from": pick.not_before,
        }
        for name, value in values.items():
            chunks[name].append(value)
        ids += c.offer_ids(rows)
        units += [c.units[u] for u in c.unit[rows].tolist()]
    order = np.array(sorted(range(len(ids)), key=ids.__getitem__), dtype=np.int64)
    floats = {name: np.concatenate(chunks[name]).astype(np.float64)[order] for name in _FLOATS}
    ints = {
        name: np.concatenate(chunks[name]).astype(np.int64)[order]
        for name in _COLUMNS
        if name not in _FLOATS
    }
    ordered_units = [units[i] for i in order.tolist()]
    return Pool(
        skill=skill,
        ids=[ids[i] for i in order.tolist()],
        key=ints["key"],
        lat=floats["lat"],
        lon=floats["lon"],
        radius=floats["radius"],
        lead=ints["lead"],
        available_from=ints["available_from"],
        available_until=ints["available_until"],
        per_week=ints["per_week"],
        total=ints["total"],
        reserved=ints["reserved"],
        units=ordered_units,
        same_unit=np.array([unit == want.unit for unit in ordered_units], dtype=np.bool_),
        to_delivery=haversine_km_array(want.lat, want.lon, floats["lat"], floats["lon"]),
        certified_from=ints["certified_from"],
    )


_FLOATS = ("lat", "lon", "radius")
_COLUMNS = (
    "key",
    *_FLOATS,
    "lead",
    "available_from",
    "available_until",
    "per_week",
    "total",
    "reserved",
    "certified_from",
)


def merit(found: _Found, want: ChainWant, hops_left: int, lead_after: int) -> FloatArray:
    """How good an offer looks for a step on its own figures: what it can deliver, how near
    the delivery point it is (per hop still to go) and how early the chain could be ready."""
    part, at, distance = found.part, found.at, found.distance
    c, rows = part.c, part.rows[at]
    start = np.maximum(part.start[at], found.not_before)
    per_week = c.per_week[rows].astype(np.int64)
    end = np.minimum(c.available_until[rows], want.needed_by.toordinal()).astype(np.int64)
    total = window_total(
        per_week, c.capacity_total[rows], c.available_from[rows], c.available_until[rows]
    )
    made = deliverable(per_week, total, c.reserved[rows].astype(np.int64), start, end)
    slack = (want.needed_by.toordinal() - start - lead_after) / FULL_TIME_DAYS
    score: FloatArray = (
        CHAIN_WEIGHTS["quantity"] * np.minimum(1.0, made / want.quantity)
        + CHAIN_WEIGHTS["distance"] * np.exp(-distance / (DISTANCE_SCALE_KM * hops_left))
        + CHAIN_WEIGHTS["time"] * np.clip(slack, 0.0, 1.0)
    )
    return score


def step_pools(
    parts: Parts,
    want: ChainWant,
    *,
    recipe: Sequence[str],
    viewer: Viewer | None = None,
    excluded: Collection[str] = (),
    pool_size: int = POOL_SIZE,
) -> list[Pool]:
    """One pool per step of ``recipe`` (upstream first), or none at all when no chain is
    needed (one offer that passes the last step's filters covers every skill: it makes
    the product alone; naming the product is not enough, API.md counts skills) or none is
    possible (a step without offers)."""
    if len(recipe) < 2:
        return []  # one skill: a single offer's job, which matching ranks
    scanned = _parts(parts, want, recipe, viewer, excluded)
    needed_by = want.needed_by.toordinal()
    final_skill = recipe[-1]
    # The last step, and the check that no single offer could do it all.
    last: list[_Found] = []
    for part in scanned:
        c, rows = part.c, part.rows
        covers = part.covers
        alone = np.logical_and.reduce(list(covers.values()))
        maybe = covers[final_skill] & (c.unit[rows] == _unit(c, want.unit))
        at = np.flatnonzero(maybe)
        since = _certified_from(c, rows[at], want.required_certifications, needed_by)
        # One in progress counts when expected in time (expected_by + lead time no later
        # than needed_by, as in matching); the step then starts once it is issued.
        certified = since <= needed_by - c.lead_time_days[rows[at]].astype(np.int64)
        at, since = at[certified], since[certified]
        distance = haversine_km_array(want.lat, want.lon, c.lat[rows[at]], c.lon[rows[at]])
        near = ~(c.service_radius_km[rows[at]] < distance)
        if want.max_distance_km is not None:
            near &= distance <= want.max_distance_km
        if bool((alone[at] & near).any()):
            return []
        keep = covers[final_skill][at] & near
        last.append(_Found(part, at[keep], distance[keep], since[keep]))
    pools = [_pool(final_skill, want, _best(last, want, 1, 0, pool_size))]
    # Upstream, step by step towards the first: reachable from the pool after it, and
    # early enough to leave the later steps their lead times.
    for depth, skill in enumerate(reversed(recipe[:-1]), start=2):
        after = pools[0]
        if not len(after):
            return []
        farthest = float(after.to_delivery.max())
        lead_after = int(sum(int(p.lead.min()) for p in pools))
        found: list[_Found] = []
        for part in scanned:
            c, rows = part.c, part.rows
            at = np.flatnonzero(part.covers[skill])
            at = at[part.start[at] + lead_after <= needed_by]
            distance = haversine_km_array(want.lat, want.lon, c.lat[rows[at]], c.lon[rows[at]])
            reach = ~(c.service_radius_km[rows[at]] + farthest < distance)
            found.append(
                _Found(part, at, distance, np.zeros(at.size, dtype=np.int64)).taking(reach)
            )
        pools.insert(0, _pool(skill, want, _best(found, want, depth, lead_after, pool_size)))
    return pools if all(len(pool) for pool in pools) else []


def _unit(c: Candidates, unit: str) -> int:
    return c.units.index(unit) if unit in c.units else -1


def _best(
    found: list[_Found], want: ChainWant, hops_left: int, lead_after: int, pool_size: int
) -> list[_Found]:
    """The ``pool_size`` offers of ``found`` with the best ``merit`` (ties: every offer
    scoring the cut is kept, so the pool does not depend on the order of the parts)."""
    scores = [merit(rows, want, hops_left, lead_after) for rows in found]
    every = np.concatenate([np.zeros(0), *scores])
    if every.size <= pool_size:
        return found
    cut = float(np.partition(every, every.size - pool_size)[every.size - pool_size])
    return [rows.taking(score >= cut) for rows, score in zip(found, scores, strict=True)]
