"""Open requests grouped by weights, code family and place, with what bounds their scores.

The request direction's ``Leaves``: the demand scorer gives each group an upper bound
of the score any member can reach for one offer, scores the best groups first and
stops once the next group cannot beat the k-th best found, so most requests are
never looked at. Pure numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from app.matching.leaves import DEFAULT_LEAF_SIZE, kd_groups
from app.matching.values import FloatArray, IntArray

Int32Array = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True)
class DemandGroups:
    """Requests grouped so that each group's members share a weight set and (mostly) a
    code family and lie close together. ``rows[start[g]:start[g + 1]]`` are the members
    of group g, ``profiles[profile_start[g]:profile_start[g + 1]]`` their distinct
    wanted-code profiles."""

    start: IntArray  # (G + 1,)
    rows: Int32Array  # (N,) row numbers grouped
    lat_min: FloatArray
    lat_max: FloatArray
    lon_min: FloatArray
    lon_max: FloatArray
    cos_far: FloatArray  # cos of the member latitude farthest from the equator
    max_distance_km: FloatArray  # the largest limit of a member; inf when one has none
    needed_by_max: IntArray
    quantity_min: IntArray
    weight: IntArray  # the weight set all members share
    profile_start: IntArray  # (G + 1,)
    profiles: IntArray

    def __len__(self) -> int:
        return len(self.start) - 1

    def rows_of(self, groups: IntArray) -> IntArray:
        """The member rows of ``groups``, group after group."""
        starts = self.start[groups]
        lengths = self.start[groups + 1] - starts
        heads = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        offsets = np.repeat(starts - heads, lengths) + np.arange(int(lengths.sum()))
        rows: IntArray = self.rows[offsets].astype(np.int64)
        return rows


def build_groups(
    *,
    lat: FloatArray,
    lon: FloatArray,
    max_distance_km: FloatArray,
    needed_by: IntArray,
    quantity: IntArray,
    weight: npt.NDArray[Any],
    profile: npt.NDArray[Any],
    profile_family: IntArray,
    leaf_size: int = DEFAULT_LEAF_SIZE,
) -> DemandGroups:
    """Groups of at most ``leaf_size`` rows: one weight set and code family each, split by
    place. A group shares its weights, so its bound needs no worst case over weights."""
    groups: list[IntArray] = []
    if len(lat):
        family = profile_family[profile]
        key = weight.astype(np.int64) * (int(family.max()) + 1) + family
        order = np.argsort(key, kind="stable")
        for members in np.split(order, np.flatnonzero(np.diff(key[order])) + 1):
            groups.extend(kd_groups(lat, lon, members, leaf_size))
    sizes = np.array([g.size for g in groups], dtype=np.int64)
    start = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
    rows = np.concatenate([np.zeros(0, np.int64), *groups])
    heads = start[:-1]

    def reduce(ufunc: np.ufunc, values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        if not heads.size:
            return values[:0]
        return ufunc.reduceat(values[rows], heads)

    distinct = [np.unique(profile[g]) for g in groups]
    profile_start = np.concatenate(([0], np.cumsum([d.size for d in distinct]))).astype(np.int64)
    return DemandGroups(
        start=start,
        rows=rows.astype(np.int32),
        lat_min=reduce(np.minimum, lat),
        lat_max=reduce(np.maximum, lat),
        lon_min=reduce(np.minimum, lon),
        lon_max=reduce(np.maximum, lon),
        cos_far=np.cos(np.radians(reduce(np.maximum, np.abs(lat)))),
        max_distance_km=reduce(
            np.maximum, np.where(np.isnan(max_distance_km), math.inf, max_distance_km)
        ),
        needed_by_max=reduce(np.maximum, needed_by),
        quantity_min=reduce(np.minimum, quantity),
        weight=weight[rows[heads]].astype(np.int64),
        profile_start=profile_start,
        profiles=np.concatenate([np.zeros(0, np.int64), *distinct]).astype(np.int64),
    )
