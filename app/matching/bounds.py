"""What one search knows before it looks at any offer, and bounds on what groups can score.

``prepare`` works out everything about a request that does not depend on the offer
(weights, how well each code is served, certification columns); ``group_bounds``
gives each group of offers (``Leaves``) an upper bound of the score any member can
reach: best similarity among its codes, nearest corner of its box, largest capacity,
earliest start. Pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from app.geo.distance import EARTH_RADIUS_KM
from app.matching.candidates import Candidates, Reach
from app.matching.values import (
    DISTANCE_SCALE_KM,
    FULL_TIME_DAYS,
    VERIFIED_CREDIT,
    BoolArray,
    FloatArray,
    IntArray,
    Kind,
    TaxonomyLike,
    Viewer,
    Want,
    resolve_weights,
)


class Boxes(Protocol):
    """Groups of points with their bounding boxes (offers' ``Leaves``, requests' groups)."""

    @property
    def lat_min(self) -> FloatArray: ...
    @property
    def lat_max(self) -> FloatArray: ...
    @property
    def lon_min(self) -> FloatArray: ...
    @property
    def lon_max(self) -> FloatArray: ...
    @property
    def cos_far(self) -> FloatArray: ...  # cos of the member latitude farthest from the equator


def distance_lower_bound(lat: float, lon: float, leaves: Boxes, groups: IntArray) -> FloatArray:
    """Per group in ``groups``, a distance no member can be nearer than.

    With |latitude| <= m for both points, haversine's a >= sin^2(dphi/2) + cos^2(m)
    sin^2(dlambda/2), where dphi and dlambda are the gaps to the group's box.
    """
    lat_min, lat_max = leaves.lat_min[groups], leaves.lat_max[groups]
    lon_min, lon_max = leaves.lon_min[groups], leaves.lon_max[groups]
    d_phi = np.radians(np.maximum(0.0, np.maximum(lat_min - lat, lat - lat_max)))
    east = np.mod(lon_min - lon, 360.0)
    west = np.mod(lon - lon_max, 360.0)
    inside = (lon_min <= lon) & (lon <= lon_max)
    d_lambda = np.radians(np.where(inside, 0.0, np.minimum(np.minimum(east, west), 180.0)))
    cos_m = np.minimum(np.cos(np.radians(abs(lat))), leaves.cos_far[groups])
    a = np.sin(d_phi / 2) ** 2 + cos_m**2 * np.sin(d_lambda / 2) ** 2
    bound: FloatArray = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    return np.maximum(0.0, bound * (1 - 1e-9) - 1e-6)


@dataclass(slots=True)
class SearchPlan:
    """Everything about one request that does not depend on the offer."""

    want: Want
    weights: dict[str, float]
    today: int
    needed_by: int
    reaches: list[Reach]  # per wanted code
    unit: int
    region: int | None
    partner: int | None  # None: sees every offer
    required: list[IntArray]  # per required certification: matching cert columns
    preferred: list[IntArray]


def _reaches(want: Want, c: Candidates, taxonomy: TaxonomyLike) -> list[Reach]:
    out = []
    for wanted_kind, code in want.wanted:
        reach = c.reach_cache.get((wanted_kind, code))
        if reach is None or reach.taxonomy is not taxonomy:
            reach = _reach(wanted_kind, code, c, taxonomy)
            c.reach_cache[(wanted_kind, code)] = reach
        out.append(reach)
    return out


def _reach(wanted_kind: Kind, code: str, c: Candidates, taxonomy: TaxonomyLike) -> Reach:
    similarity = np.array(
        [
            taxonomy.cross_similarity(
                code, offered, wanted_kind=wanted_kind, offered_kind=offered_kind
            )
            for offered_kind, offered in c.codes
        ]
        + [0.0],
        dtype=np.float64,
    )
    profiles = np.zeros(c.profile_start.size - 1, dtype=np.float64)
    if profiles.size:  # every profile names at least one code (or the sentinel)
        profiles = np.maximum.reduceat(similarity[c.profile_codes], c.profile_start[:-1])
    groups = np.zeros(len(c.leaves), dtype=np.float64)
    if groups.size:
        groups = np.maximum.reduceat(similarity[c.leaves.group_codes], c.leaves.code_start[:-1])
    return Reach(taxonomy, profiles, groups)


def _cert_columns(c: Candidates, code: str) -> IntArray:
    return np.array(
        [j for j, held in enumerate(c.cert_codes) if held == code or held.startswith(code + ".")],
        dtype=np.int64,
    )


def prepare(
    want: Want,
    c: Candidates,
    taxonomy: TaxonomyLike,
    viewer: Viewer | None,
    region: str | None,
) -> SearchPlan | None:
    """The per-request facts, or None when nothing in ``c`` can match."""
    weights = resolve_weights(want.weights)
    if want.unit not in c.units:
        return None
    partner: int | None = None
    if viewer is not None and not viewer.sees_all:
        partner = c.partners.index(viewer.partner_id) if viewer.partner_id in c.partners else -1
    region_index: int | None = None
    if region is not None:
        if region not in c.regions:
            return None
        region_index = c.regions.index(region)
    required = [_cert_columns(c, code) for code in want.required_certifications]
    if any(cols.size == 0 for cols in required):
        return None
    return SearchPlan(
        want=want,
        weights=weights,
        today=want.today.toordinal(),
        needed_by=want.needed_by.toordinal(),
        reaches=_reaches(want, c, taxonomy),
        unit=c.units.index(want.unit),
        region=region_index,
        partner=partner,
        required=required,
        preferred=[_cert_columns(c, code) for code in want.preferred_certifications],
    )


def any_bit(bits: npt.NDArray[np.uint64], columns: IntArray) -> BoolArray:
    """Per group: is any of ``columns`` set in its bit set?"""
    mask = np.zeros(bits.shape[1], dtype=np.uint64)
    for j in columns.tolist():
        mask[j // 64] |= np.uint64(1 << (j % 64))
    found: BoolArray = ((bits & mask) != 0).any(axis=1)
    return found


def group_bounds(q: SearchPlan, c: Candidates) -> tuple[IntArray, FloatArray]:
    """The groups a member of which could match, and the best score one could reach.

    Cheap tests first: the distance bound (trigonometry) is computed only for groups
    that pass the others.
    """
    leaves = c.leaves
    want = q.want
    possible = leaves.until_max >= q.today
    # skill: per wanted code, the best similarity among the group's codes
    skill = np.zeros(len(leaves), dtype=np.float64)
    for reach in q.reaches:
        skill = skill + reach.groups
    possible &= skill > 0.0
    for columns in q.required:
        possible &= any_bit(leaves.cert_bits, columns)
    start = np.maximum(leaves.from_min, q.today + leaves.lead_min)
    end = np.minimum(leaves.until_max, q.needed_by)
    deliverable = np.minimum(
        leaves.total_max, leaves.per_week_max * np.maximum(0, end - start + 1) // 7
    )
    possible &= deliverable > 0
    groups = np.flatnonzero(possible)
    nearest = distance_lower_bound(want.lat, want.lon, leaves, groups)
    near = nearest <= leaves.radius_max[groups]
    if want.max_distance_km is not None:
        near &= nearest <= want.max_distance_km
    groups, nearest = groups[near], nearest[near]
    certification = np.ones(groups.size, dtype=np.float64)
    if q.preferred:
        credit = np.zeros(groups.size, dtype=np.float64)
        for columns in q.preferred:
            if columns.size:
                held = any_bit(leaves.cert_bits[groups], columns)
                credit = credit + np.where(held, VERIFIED_CREDIT, 0.0)
        certification = credit / len(q.preferred)
    start = start[groups]
    bound = (
        q.weights["skill"] * (skill[groups] / len(q.reaches))
        + q.weights["certification"] * certification
        + q.weights["distance"] * np.exp(-nearest / DISTANCE_SCALE_KM)
        + q.weights["capacity"] * np.minimum(1.0, deliverable[groups] / want.quantity)
        + q.weights["time"]
        * np.minimum(1.0, np.maximum(0.0, (q.needed_by - start) / FULL_TIME_DAYS))
        # Reliability: the best of the group's organisations.
        + q.weights["reliability"] * leaves.reliability_max[groups]
    )
    return groups, bound
