"""Many offers as column arrays: the form the fast scorer works on, and how it is built.

Pure (numpy, no I/O): ``app.matching.feed`` feeds it records read from the database.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from dataclasses import astuple, dataclass, field, fields
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from app.matching.compact import narrowest, without_shared_start
from app.matching.leaves import DEFAULT_LEAF_SIZE, Leaves, bit_sets, build_leaves, partition_key
from app.matching.reliability import TrackRecord
from app.matching.values import (
    HELD_NOW,
    NO_EXPIRY,
    NOT_HELD,
    BoolArray,
    FloatArray,
    HeldCertification,
    Int32Array,
    IntArray,
    Kind,
    OfferRecord,
    SmallInts,
)


@dataclass(frozen=True, slots=True)
class Reach:
    """How well one wanted code is served by each code, code mix and group of offers.

    A request's skill factor and its groups' bounds are then lookups: the code mixes
    and groups of a ``Candidates`` never change, and requests ask for the same few
    codes, so each code's reach is worked out once per index (and taxonomy).
    """

    taxonomy: object  # the taxonomy the similarities come from
    profiles: FloatArray  # (P,): the best over each profile's codes
    groups: FloatArray  # (G,): the best over each group's codes


@dataclass(frozen=True, slots=True)
class Candidates:
    """N offers as column arrays sorted by id, the form the fast scorer works on.

        Rows are in id order, so a row number is also the tie-breaker. What repeats is
        stored once: ``profile[i]`` points at offer i's set of skills and products
        (``profile_codes[profile_start[p]:profile_start[p + 1]]``, indexes into ``codes``),
        ``cert_profile[i]`` at the certifications its organisation holds
        (``cert_valid_until[q, j]``: ordinal until which ``cert_codes[j]`` is held,
        ``NOT_HELD`` or ``NO_EXPIRY``; ``cert_expected_by[q, j]`` when one in progress is
    expected, ``HELD_NOW`` otherwise). Partners, units and regions are interned.

        Memory is what limits the index (bench/README.md), so ids drop the start all of
        them share (``id_prefix``: ``off_01`` for ids made within a year or two), and small
        numbers (units, partners, regions, code mixes, lead times, booked units) take the
        narrowest integer type that holds the values present. Arithmetic on them widens
        first: ``today + lead_time_days`` would overflow 16 bits.
    """

    id_prefix: str
    ids: npt.NDArray[np.bytes_]  # each offer id without id_prefix
    lat: FloatArray
    lon: FloatArray
    service_radius_km: FloatArray  # NaN: unlimited
    per_week: Int32Array
    capacity_total: Int32Array  # -1: none, per-week capacity over the window instead
    reserved: SmallInts  # reserved + held: sums of engagements may pass 32 bits
    available_from: Int32Array  # date ordinals
    available_until: Int32Array
    lead_time_days: SmallInts
    min_order_quantity: Int32Array
    shared: BoolArray
    partner: SmallInts
    partners: tuple[str, ...]
    unit: SmallInts
    units: tuple[str, ...]
    region: SmallInts  # -1: none
    regions: tuple[str, ...]
    profile: SmallInts
    profile_start: IntArray
    profile_codes: IntArray  # a profile without codes points at the sentinel len(codes)
    codes: tuple[tuple[Kind, str], ...]
    cert_profile: SmallInts
    cert_codes: tuple[str, ...]
    cert_valid_until: IntArray  # (Q, len(cert_codes))
    cert_verified: BoolArray  # (Q, len(cert_codes))
    cert_expected_by: IntArray  # (Q, len(cert_codes)): ordinal when in progress, else HELD_NOW
    track_counts: IntArray  # (Q, 5): the organisation's ``TrackRecord`` (history as a seller)
    reliability: FloatArray  # (Q,): its reliability factor
    leaves: Leaves
    reach_cache: dict[tuple[Kind, str], Reach] = field(
        default_factory=dict, compare=False, repr=False
    )

    def __len__(self) -> int:
        return len(self.ids)

    def offer_id(self, row: int) -> str:
        return self.id_prefix + bytes(self.ids[row]).decode()

    def offer_ids(self, rows: IntArray) -> list[str]:
        return [self.id_prefix + raw.decode() for raw in self.ids[rows].tolist()]

    def row_of(self, offer_id: str) -> int | None:
        """The row of ``offer_id``, or None (ids are sorted)."""
        if not offer_id.startswith(self.id_prefix):
            return None
        key = np.bytes_(offer_id[len(self.id_prefix) :].encode())
        row = int(np.searchsorted(self.ids, key))
        if row < len(self.ids) and self.ids[row] == key:
            return row
        return None

    def rows_of(self, offer_ids: Iterable[str]) -> IntArray:
        """The rows of those of ``offer_ids`` that are here, at once (ids are sorted)."""
        start = len(self.id_prefix)
        keys = np.array(
            [i[start:].encode() for i in offer_ids if i.startswith(self.id_prefix)],
            dtype=np.bytes_,
        )
        if not keys.size or not len(self.ids):
            return np.zeros(0, dtype=np.int64)
        rows = np.minimum(np.searchsorted(self.ids, keys), len(self.ids) - 1)
        found: IntArray = rows[self.ids[rows] == keys]  # a longer key never equals an id
        return found

    def certifications(self, row: int) -> dict[str, HeldCertification]:
        """What the organisation of the offer in ``row`` holds or has in progress."""
        q = int(self.cert_profile[row])
        held = {}
        for j, code in enumerate(self.cert_codes):
            until, expected = int(self.cert_valid_until[q, j]), int(self.cert_expected_by[q, j])
            if expected != HELD_NOW:
                held[code] = HeldCertification(expected_by=date.fromordinal(expected))
            elif until != NOT_HELD:
                valid_until = None if until == NO_EXPIRY else date.fromordinal(until)
                held[code] = HeldCertification(valid_until, bool(self.cert_verified[q, j]))
        return held

    def track(self, row: int) -> TrackRecord:
        """The track record of the organisation of the offer in ``row``."""
        return TrackRecord(*self.track_counts[int(self.cert_profile[row])].tolist())

    def ids_after(self, rows: IntArray, offer_id: str) -> BoolArray:
        """Per row: does its offer id sort after ``offer_id``?"""
        if offer_id.startswith(self.id_prefix):
            after: BoolArray = self.ids[rows] > np.bytes_(offer_id[len(self.id_prefix) :].encode())
            return after
        # The first difference lies within the shared start: the same answer for all.
        return np.full(rows.size, self.id_prefix > offer_id, dtype=np.bool_)


def window_total(
    per_week: IntArray,
    capacity_total: IntArray | Int32Array,
    start: IntArray | Int32Array,
    end: IntArray | Int32Array,
) -> IntArray:
    """The capacity over the whole window: explicit total, else per-week over the window.

    ``per_week`` is 64-bit so the product cannot overflow.
    """
    over_window = np.maximum(0, per_week * (end - start + 1) // 7)
    total: IntArray = np.where(capacity_total >= 0, capacity_total, over_window)
    return total


class _Interned:
    """Values numbered in order of first appearance."""

    def __init__(self) -> None:
        self.numbers: dict[Any, int] = {}

    def __call__(self, value: Any) -> int:
        return self.numbers.setdefault(value, len(self.numbers))

    @property
    def values(self) -> list[Any]:
        return list(self.numbers)


def build_candidates(
    records: Iterable[OfferRecord], *, leaf_size: int = DEFAULT_LEAF_SIZE
) -> Candidates:
    """Column arrays for ``records`` (rows sorted by offer id)."""
    builder = CandidatesBuilder()
    builder.add(records)
    return builder.finish(leaf_size=leaf_size)


class CandidatesBuilder:
    """Builds ``Candidates`` from records arriving in batches.

    Each record is reduced to a few numbers as it arrives (typed arrays, no
    per-record objects kept), so a million offers load without a million objects.
    """

    def __init__(self) -> None:
        self.ints = {name: array("i") for name in _INT_COLUMNS}  # C int: 32 bits
        self.reserved = array("q")
        self.floats = {name: array("d") for name in ("lat", "lon", "radius")}
        self.flags = {name: array("b") for name in ("shared",)}
        self.id_chunks: list[npt.NDArray[np.bytes_]] = []
        self.profiles, self.cert_profiles, self.partners, self.units, self.regions = (
            _Interned() for _ in range(5)
        )

    def add(self, records: Iterable[OfferRecord]) -> None:
        ints, floats, flags = self.ints, self.floats, self.flags
        profiles, cert_profiles = self.profiles, self.cert_profiles
        partners, units, regions = self.partners, self.units, self.regions
        ids: list[bytes] = []
        for r in records:
            ids.append(r.id.encode())
            floats["lat"].append(r.lat)
            floats["lon"].append(r.lon)
            floats["radius"].append(
                math.nan if r.service_radius_km is None else r.service_radius_km
            )
            ints["per_week"].append(r.capacity_per_week)
            ints["total"].append(-1 if r.capacity_total is None else r.capacity_total)
            self.reserved.append(r.reserved_quantity)
            ints["from"].append(r.available_from.toordinal())
            ints["until"].append(r.available_until.toordinal())
            ints["lead"].append(r.lead_time_days)
            ints["moq"].append(r.min_order_quantity)
            ints["partner"].append(partners(r.partner_id))
            ints["unit"].append(units(r.unit))
            ints["region"].append(regions(r.region))
            codes = [("skill", c) for c in r.skills] + [("product", c) for c in r.products]
            ints["profile"].append(profiles(tuple(dict.fromkeys(codes))))
            # An organisation's profile: its certifications and its track record.
            ints["cert_profile"].append(
                cert_profiles((tuple(sorted(r.certifications.items())), r.track))
            )
            flags["shared"].append(r.shared)
        # One small array per batch: a million bytes objects kept until finish() would
        # pin much of the heap the batch rows came and went in (RSS stays high).
        self.id_chunks.append(np.array(ids, dtype=np.bytes_))

    def finish(self, *, leaf_size: int = DEFAULT_LEAF_SIZE) -> Candidates:
        ints, floats, flags = self.ints, self.floats, self.flags
        profiles, cert_profiles = self.profiles, self.cert_profiles
        partners, units, regions = self.partners, self.units, self.regions
        width = max([1] + [chunk.dtype.itemsize for chunk in self.id_chunks])
        id_array = np.concatenate([np.zeros(0, f"S{width}"), *self.id_chunks], dtype=f"S{width}")
        self.id_chunks = []
        n = len(id_array)
        order = np.argsort(id_array, kind="stable")

        def col(values: array[Any], dtype: Any) -> npt.NDArray[Any]:
            return np.frombuffer(values, dtype=dtype)[order] if n else np.zeros(0, dtype)

        i32 = {name: col(values, np.int32) for name, values in ints.items()}
        f64 = {name: col(values, np.float64) for name, values in floats.items()}
        b8 = {name: col(values, np.int8).astype(np.bool_) for name, values in flags.items()}
        reserved = narrowest(col(self.reserved, np.int64))
        del ints, floats, flags
        self.reserved = array("q")
        self.ints, self.floats, self.flags = {}, {}, {}  # the columns above are copies

        code_keys: list[tuple[tuple[Kind, str], ...]] = profiles.values
        codes_sorted: tuple[tuple[Kind, str], ...] = tuple(
            sorted({c for key in code_keys for c in key})
        )
        code_index = {code: j for j, code in enumerate(codes_sorted)}
        profile_lists = [[code_index[c] for c in key] or [len(codes_sorted)] for key in code_keys]
        profile_start = np.concatenate(([0], np.cumsum([len(p) for p in profile_lists]))).astype(
            np.int64
        )
        profile_codes = np.array([j for p in profile_lists for j in p], dtype=np.int64)
        profile_flags = np.zeros((len(code_keys), len(codes_sorted) + 1), dtype=np.bool_)
        for p, members in enumerate(profile_lists):
            profile_flags[p, members] = True

        profile_keys: list[tuple[tuple[tuple[str, HeldCertification], ...], TrackRecord]] = (
            cert_profiles.values
        )
        cert_keys = [certifications for certifications, _ in profile_keys]
        tracks = [track for _, track in profile_keys]
        reliability = np.array([track.reliability for track in tracks], dtype=np.float64)
        cert_codes = tuple(sorted({code for key in cert_keys for code, _ in key}))
        cert_index = {code: j for j, code in enumerate(cert_codes)}
        valid_until = np.full((len(cert_keys), len(cert_codes)), NOT_HELD, dtype=np.int64)
        verified = np.zeros((len(cert_keys), len(cert_codes)), dtype=np.bool_)
        expected_by = np.full((len(cert_keys), len(cert_codes)), HELD_NOW, dtype=np.int64)
        for q, key in enumerate(cert_keys):
            for code, held in key:
                j = cert_index[code]
                valid_until[q, j] = held.valid_until.toordinal() if held.valid_until else NO_EXPIRY
                verified[q, j] = held.verified
                if held.expected_by is not None:
                    expected_by[q, j] = held.expected_by.toordinal()

        # Regions: renumber so that "no region" is -1 and names are sorted.
        region_names = sorted(name for name in regions.values if name)
        region_map = np.array(
            [region_names.index(name) if name else -1 for name in regions.values] or [-1],
            dtype=np.int32,
        )
        profile = i32["profile"]
        cert_profile = i32["cert_profile"]
        row_code_bits = bit_sets(np.arange(len(codes_sorted)), profile_flags[:, :-1])[profile]
        row_cert_bits = bit_sets(np.arange(len(cert_codes)), valid_until != NOT_HELD)[cert_profile]
        families = _Interned()
        profile_family = np.array(
            [families(key[0][1].split(".")[0] if key else "") for key in code_keys] or [0],
            dtype=np.int64,
        )
        per_week, total = i32["per_week"], i32["total"]
        wide = {name: i32[name].astype(np.int64) for name in ("per_week", "from", "until")}
        leaves = build_leaves(
            f64["lat"],
            f64["lon"],
            partition_key(profile_family[profile], row_cert_bits),
            row_code_bits,
            row_cert_bits,
            f64["radius"],
            wide["per_week"],
            window_total(wide["per_week"], total, wide["from"], wide["until"]),
            wide["from"],
            wide["until"],
            i32["lead"].astype(np.int64),
            reliability[cert_profile],
            len(codes_sorted),
            leaf_size,
        )
        # Last, like the column copies before it: cutting the ids first left the heap
        # so fragmented that the worker kept 48 MB more after the load (bench/README.md).
        id_prefix, ids = without_shared_start(id_array[order])
        return Candidates(
            id_prefix=id_prefix,
            ids=ids,
            lat=f64["lat"],
            lon=f64["lon"],
            service_radius_km=f64["radius"],
            per_week=per_week,
            capacity_total=total,
            reserved=reserved,
            available_from=i32["from"],
            available_until=i32["until"],
            lead_time_days=narrowest(i32["lead"]),
            min_order_quantity=i32["moq"],
            shared=b8["shared"],
            partner=narrowest(i32["partner"]),
            partners=tuple(partners.values),
            unit=narrowest(i32["unit"]),
            units=tuple(units.values),
            region=narrowest(region_map[i32["region"]]),
            regions=tuple(region_names),
            profile=narrowest(profile),
            profile_start=profile_start,
            profile_codes=profile_codes,
            codes=codes_sorted,
            cert_profile=narrowest(cert_profile),
            cert_codes=cert_codes,
            cert_valid_until=valid_until,
            cert_verified=verified,
            cert_expected_by=expected_by,
            track_counts=np.array([astuple(track) for track in tracks], dtype=np.int64).reshape(
                len(tracks), len(fields(TrackRecord))
            ),
            reliability=reliability,
            leaves=leaves,
        )


_INT_COLUMNS = (
    "per_week",
    "total",
    "from",
    "until",
    "lead",
    "moq",
    "partner",
    "unit",
    "region",
    "profile",
    "cert_profile",
)
