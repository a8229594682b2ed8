"""Many open requests as column arrays: the form the demand scorer works on, and how it is built.

Pure (numpy, no I/O): ``app.matching.demand_feed`` feeds it records read from the
database. Requests are far fewer than offers, so memory is not what shapes these
columns (bench/README.md): they keep plain 64-bit numbers where arithmetic follows
and 32-bit indexes where values repeat.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from app.matching.demand import RequestRecord
from app.matching.demand_groups import DemandGroups, build_groups
from app.matching.leaves import DEFAULT_LEAF_SIZE
from app.matching.values import FACTORS, BoolArray, FloatArray, IntArray, Kind, resolve_weights

Int32Array = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True)
class OfferReach:
    """How well one offer's codes serve each wanted code and each wanted-code profile.

    Offers repeat their code mixes, so this is worked out once per mix and index.
    """

    taxonomy: object  # the taxonomy the similarities come from
    best: FloatArray  # (W + 1,): per wanted code the best similarity, then the pad's 0
    total: FloatArray  # (P,): per profile the sum of its codes' best, in the reference's order


@dataclass(frozen=True, slots=True)
class Requests:
    """N open requests as column arrays sorted by id, so a row number is the tie-breaker.

    What repeats is stored once and padded to a rectangle: ``profile_codes[p]`` are the
    wanted codes of profile p (indexes into ``codes``, padded with ``len(codes)``);
    ``required_codes[r]`` the certifications requirement set r names (indexes into
    ``cert_codes``, padded with ``ALWAYS``), ``preferred_codes[q]`` those preference set
    q names (padded with ``NEVER``); ``weights[v]`` a weight set, normalised, in
    ``FACTORS`` order. Units, partners, regions and organisations are interned.
    """

    ids: npt.NDArray[np.bytes_]
    lat: FloatArray
    lon: FloatArray
    max_distance_km: FloatArray  # NaN: no limit
    quantity: IntArray
    needed_by: IntArray  # date ordinals, 64-bit: per-week capacity x days follows
    shared: BoolArray
    unit: Int32Array
    units: tuple[str, ...]
    partner: Int32Array
    partners: tuple[str, ...]
    region: Int32Array  # -1: none
    regions: tuple[str, ...]
    organization: Int32Array
    organizations: Mapping[str, int]  # id -> number (there are many: no tuple.index)
    profile: Int32Array
    codes: tuple[tuple[Kind, str], ...]
    profile_codes: IntArray  # (P, K)
    profile_size: IntArray  # (P,)
    required: Int32Array
    requirements: tuple[tuple[str, ...], ...]  # as the requests name them (reasons)
    required_codes: IntArray  # (R, K)
    preferred: Int32Array
    preferences: tuple[tuple[str, ...], ...]
    preferred_codes: IntArray  # (Q, K)
    preferred_size: IntArray  # (Q,)
    cert_codes: tuple[str, ...]
    weight: Int32Array
    weights: FloatArray  # (V, len(FACTORS))
    groups: DemandGroups
    reach_cache: dict[tuple[tuple[Kind, str], ...], OfferReach] = field(
        default_factory=dict, compare=False, repr=False
    )

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def never(self) -> int:
        """The certification pad of preference sets: held by nobody."""
        return len(self.cert_codes)

    @property
    def always(self) -> int:
        """The certification pad of requirement sets: met by everybody."""
        return len(self.cert_codes) + 1

    @property
    def nbytes(self) -> int:
        """The size of every array held (the groups' too)."""
        arrays = [getattr(self, f) for f in self.__dataclass_fields__] + [
            getattr(self.groups, f) for f in self.groups.__dataclass_fields__
        ]
        return sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))

    def request_ids(self, rows: IntArray) -> list[str]:
        return [raw.decode() for raw in self.ids[rows].tolist()]

    def row_of(self, request_id: str) -> int | None:
        """The row of ``request_id``, or None (ids are sorted)."""
        key = np.bytes_(request_id.encode())
        row = int(np.searchsorted(self.ids, key))
        if row < len(self.ids) and self.ids[row] == key:
            return row
        return None

    def ids_after(self, rows: IntArray, request_id: str) -> BoolArray:
        """Per row: does its request id sort after ``request_id``?"""
        after: BoolArray = self.ids[rows] > np.bytes_(request_id.encode())
        return after


class _Interned:
    """Values numbered in order of first appearance."""

    def __init__(self) -> None:
        self.numbers: dict[Any, int] = {}

    def __call__(self, value: Any) -> int:
        return self.numbers.setdefault(value, len(self.numbers))

    @property
    def values(self) -> list[Any]:
        return list(self.numbers)


def _padded(lists: list[list[int]], pad: int) -> IntArray:
    """A (len(lists), longest) matrix of the lists, each padded with ``pad`` at the end."""
    width = max([1] + [len(items) for items in lists])
    out = np.full((len(lists), width), pad, dtype=np.int64)
    for i, items in enumerate(lists):
        out[i, : len(items)] = items
    return out


def build_requests(
    records: Iterable[RequestRecord], *, leaf_size: int = DEFAULT_LEAF_SIZE
) -> Requests:
    """Column arrays for ``records`` (rows sorted by request id)."""
    builder = RequestsBuilder()
    builder.add(records)
    return builder.finish(leaf_size=leaf_size)


class RequestsBuilder:
    """Builds ``Requests`` from records arriving in pages.

    Each record is reduced to a few numbers as it arrives (typed arrays, no
    per-record objects kept), as the offers' ``CandidatesBuilder`` does.
    """

    def __init__(self) -> None:
        self.floats = {name: array("d") for name in ("lat", "lon", "max_distance_km")}
        self.ints = {name: array("q") for name in _INT_COLUMNS}
        self.id_chunks: list[npt.NDArray[np.bytes_]] = []
        self.units, self.partners, self.regions, self.organizations = (
            _Interned() for _ in range(4)
        )
        self.profiles, self.requirements, self.preferences, self.weight_sets = (
            _Interned() for _ in range(4)
        )

    def add(self, records: Iterable[RequestRecord]) -> None:
        floats, ints = self.floats, self.ints
        ids: list[bytes] = []
        for r in records:
            ids.append(r.id.encode())
            floats["lat"].append(r.lat)
            floats["lon"].append(r.lon)
            floats["max_distance_km"].append(
                math.nan if r.max_distance_km is None else r.max_distance_km
            )
            ints["quantity"].append(r.quantity)
            ints["needed_by"].append(r.needed_by.toordinal())
            ints["shared"].append(r.shared)
            ints["unit"].append(self.units(r.unit))
            ints["partner"].append(self.partners(r.partner_id))
            ints["region"].append(self.regions(r.region))
            ints["organization"].append(self.organizations(r.organization_id))
            ints["profile"].append(self.profiles(r.wanted))
            ints["required"].append(self.requirements(r.required_certifications))
            ints["preferred"].append(self.preferences(r.preferred_certifications))
            ints["weight"].append(self.weight_sets(tuple(sorted((r.weights or {}).items()))))
        self.id_chunks.append(np.array(ids, dtype=np.bytes_))

    def finish(self, *, leaf_size: int = DEFAULT_LEAF_SIZE) -> Requests:
        width = max([1] + [chunk.dtype.itemsize for chunk in self.id_chunks])
        ids = np.concatenate([np.zeros(0, f"S{width}"), *self.id_chunks], dtype=f"S{width}")
        order = np.argsort(ids, kind="stable")

        def column(values: array[Any], dtype: Any) -> npt.NDArray[Any]:
            return np.frombuffer(values, dtype=dtype)[order] if len(ids) else np.zeros(0, dtype)

        f64 = {name: column(values, np.float64) for name, values in self.floats.items()}
        i64 = {name: column(values, np.int64) for name, values in self.ints.items()}
        codes: tuple[tuple[Kind, str], ...] = tuple(
            sorted({c for key in self.profiles.values for c in key})
        )
        code_index = {code: j for j, code in enumerate(codes)}
        profile_lists = [[code_index[c] for c in key] for key in self.profiles.values]
        requirement_sets: list[tuple[str, ...]] = self.requirements.values
        preference_sets: list[tuple[str, ...]] = self.preferences.values
        cert_codes = tuple(sorted({c for key in requirement_sets + preference_sets for c in key}))
        cert_index = {code: j for j, code in enumerate(cert_codes)}
        # Regions: renumbered so that "no region" is -1 and names are sorted.
        region_names = sorted(name for name in self.regions.values if name)
        region_map = np.array(
            [region_names.index(name) if name else -1 for name in self.regions.values] or [-1],
            dtype=np.int32,
        )
        weights = np.array(
            [
                [resolve_weights(dict(key))[name] for name in FACTORS]
                for key in self.weight_sets.values
            ],
            dtype=np.float64,
        ).reshape(-1, len(FACTORS))
        small = {name: i64[name].astype(np.int32) for name in _INDEX_COLUMNS}
        families = _Interned()
        profile_family = np.array(
            [families(key[0][1].split(".")[0] if key else "") for key in self.profiles.values],
            dtype=np.int64,
        )
        groups = build_groups(
            lat=f64["lat"],
            lon=f64["lon"],
            max_distance_km=f64["max_distance_km"],
            needed_by=i64["needed_by"],
            quantity=i64["quantity"],
            weight=small["weight"],
            profile=small["profile"],
            profile_family=profile_family,
            leaf_size=leaf_size,
        )
        return Requests(
            ids=ids[order],
            lat=f64["lat"],
            lon=f64["lon"],
            max_distance_km=f64["max_distance_km"],
            quantity=i64["quantity"],
            needed_by=i64["needed_by"],
            shared=i64["shared"].astype(np.bool_),
            unit=small["unit"],
            units=tuple(self.units.values),
            partner=small["partner"],
            partners=tuple(self.partners.values),
            region=region_map[small["region"]],
            regions=tuple(region_names),
            organization=small["organization"],
            organizations=dict(self.organizations.numbers),
            profile=small["profile"],
            codes=codes,
            profile_codes=_padded(profile_lists, len(codes)),
            profile_size=np.array([len(items) for items in profile_lists], dtype=np.int64),
            required=small["required"],
            requirements=tuple(requirement_sets),
            required_codes=_padded(
                [[cert_index[c] for c in key] for key in requirement_sets], len(cert_codes) + 1
            ),
            preferred=small["preferred"],
            preferences=tuple(preference_sets),
            preferred_codes=_padded(
                [[cert_index[c] for c in key] for key in preference_sets], len(cert_codes)
            ),
            preferred_size=np.array([len(key) for key in preference_sets], dtype=np.int64),
            cert_codes=cert_codes,
            weight=small["weight"],
            weights=weights,
            groups=groups,
        )


_INDEX_COLUMNS = (
    "unit",
    "partner",
    "region",
    "organization",
    "profile",
    "required",
    "preferred",
    "weight",
)
_INT_COLUMNS = ("quantity", "needed_by", "shared", *_INDEX_COLUMNS)
