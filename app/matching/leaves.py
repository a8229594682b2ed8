"""Offers grouped by code family and place, with bounds on the score any member can reach.

The fast scorer ranks whole groups by these bounds and stops once the next group
cannot beat the k-th best found, so most groups are never looked at.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from app.matching.values import FloatArray, Int32Array, IntArray

DEFAULT_LEAF_SIZE = 128


@dataclass(frozen=True, slots=True)
class Leaves:
    """Offers grouped by family and place (a k-d split), with per-group bounds.

    The scorer ranks whole groups by an upper bound of the score any member can reach
    and stops once the next group cannot beat the k-th best found: most groups are
    never looked at. ``rows[start[g]:start[g + 1]]`` are the members of group g.
    """

    start: IntArray  # (G + 1,)
    rows: Int32Array  # (N,) row numbers grouped
    lat_min: FloatArray
    lat_max: FloatArray
    lon_min: FloatArray
    lon_max: FloatArray
    cos_far: FloatArray  # cos of the member latitude farthest from the equator
    code_start: IntArray  # (G + 1,) the codes any member names:
    group_codes: IntArray  # group_codes[code_start[g]:code_start[g + 1]], then the sentinel
    cert_bits: npt.NDArray[np.uint64]  # (G, words): union of certifications held
    radius_max: FloatArray  # inf when a member has no service radius
    per_week_max: IntArray
    total_max: IntArray  # capacity over the whole window
    until_max: IntArray
    from_min: IntArray
    lead_min: IntArray
    reliability_max: FloatArray  # the most reliable member's organisation

    def __len__(self) -> int:
        return len(self.start) - 1


def bit_sets(
    columns: npt.NDArray[np.int64], flags: npt.NDArray[np.bool_]
) -> npt.NDArray[np.uint64]:
    """(N, words) bit sets: bit j of row i set when flags[i, j] (columns give j)."""
    words = max(1, (flags.shape[1] + 63) // 64)
    out = np.zeros((flags.shape[0], words), dtype=np.uint64)
    for j in columns.tolist():
        out[flags[:, j], j // 64] |= np.uint64(1 << (j % 64))
    return out


def kd_groups(lat: FloatArray, lon: FloatArray, rows: IntArray, leaf_size: int) -> list[IntArray]:
    """Split ``rows`` at the median of the wider side until groups hold <= leaf_size."""
    if rows.size <= leaf_size:
        return [rows]
    lat_span = float(lat[rows].max() - lat[rows].min())
    lon_span = float(lon[rows].max() - lon[rows].min()) * math.cos(
        math.radians(float(lat[rows].mean()))
    )
    key = lat[rows] if lat_span >= lon_span else lon[rows]
    half = rows.size // 2
    order = np.argpartition(key, half)
    return kd_groups(lat, lon, rows[order[:half]], leaf_size) + kd_groups(
        lat, lon, rows[order[half:]], leaf_size
    )


def build_leaves(
    lat: FloatArray,
    lon: FloatArray,
    partition: IntArray,
    row_code_bits: npt.NDArray[np.uint64],
    row_cert_bits: npt.NDArray[np.uint64],
    radius: FloatArray,
    per_week: IntArray,
    total: IntArray,
    available_from: IntArray,
    available_until: IntArray,
    lead: IntArray,
    reliability: FloatArray,
    codes: int,
    leaf_size: int = DEFAULT_LEAF_SIZE,
) -> Leaves:
    """Groups of at most ``leaf_size`` rows: one ``partition`` each, split by place."""
    groups: list[IntArray] = []
    order = np.argsort(partition, kind="stable")
    bounds = np.flatnonzero(np.diff(partition[order])) + 1
    for members in np.split(order, bounds):
        if members.size:
            groups.extend(kd_groups(lat, lon, members, leaf_size))
    sizes = np.array([g.size for g in groups], dtype=np.int64)
    start = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
    rows = np.concatenate(groups).astype(np.int32) if groups else np.zeros(0, np.int32)
    heads = start[:-1]
    code_start, group_codes = _group_codes(row_code_bits[rows], heads, codes)

    def reduce(ufunc: np.ufunc, values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        if not heads.size:
            return values[:0]
        return ufunc.reduceat(values[rows], heads, axis=0)

    return Leaves(
        start=start,
        rows=rows,
        lat_min=reduce(np.minimum, lat),
        lat_max=reduce(np.maximum, lat),
        lon_min=reduce(np.minimum, lon),
        lon_max=reduce(np.maximum, lon),
        cos_far=np.cos(np.radians(reduce(np.maximum, np.abs(lat)))),
        code_start=code_start,
        group_codes=group_codes,
        cert_bits=reduce(np.bitwise_or, row_cert_bits),
        radius_max=reduce(np.maximum, np.where(np.isnan(radius), np.inf, radius)),
        per_week_max=reduce(np.maximum, per_week),
        total_max=reduce(np.maximum, total),
        until_max=reduce(np.maximum, available_until),
        from_min=reduce(np.minimum, available_from),
        lead_min=reduce(np.minimum, lead),
        reliability_max=reduce(np.maximum, reliability),
    )


def _group_codes(
    member_bits: npt.NDArray[np.uint64], heads: IntArray, codes: int
) -> tuple[IntArray, IntArray]:
    """Per group, the codes any member names (ascending) and the sentinel ``codes``.

    The sentinel (similarity 0) keeps every group's list non-empty, so a max over
    each list is one ``reduceat``.
    """
    if not heads.size:
        return np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    union = np.bitwise_or.reduceat(member_bits, heads, axis=0)
    flags = np.unpackbits(union.view(np.uint8), axis=1, bitorder="little")[:, :codes]
    flags = np.concatenate([flags, np.ones((flags.shape[0], 1), dtype=np.uint8)], axis=1)
    group, code = np.nonzero(flags)
    start = np.searchsorted(group, np.arange(flags.shape[0] + 1)).astype(np.int64)
    return start, code.astype(np.int64)


def partition_key(family: IntArray, row_cert_bits: npt.NDArray[np.uint64]) -> IntArray:
    """Rows alike in what bounds the score most: code family and certifications held.

    Groups never mix partitions, so a group's certification bound is exact (up to
    validity) and its skill bound stays tight where the data is skewed. Measured on
    skewed data (bench/README.md) this beat partitions by capacity as well: more
    partitions make each group's box wider, which loosens the distance bound.
    """
    stacked = np.column_stack([family, row_cert_bits.view(np.int64)])
    _, key = np.unique(stacked, axis=0, return_inverse=True)
    return key.reshape(-1).astype(np.int64)
