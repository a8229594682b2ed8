"""The values the scorer works on: a request's wants, offers (as records and as columns), matches.

Pure data and the rules both scorers share (weights, constants, rounding). Nothing
here imports from the rest of the app: the taxonomy comes in through a protocol.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

Kind = Literal["skill", "product", "certification"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
# Per-offer columns: quantities are at most 1e9 (API) and dates are ordinals, so 32 bits
# hold them and a million offers take half the memory. Arithmetic that can grow (per
# week x days) is done in 64 bits after gathering the rows it needs.
Int32Array = npt.NDArray[np.int32]
SmallInts = npt.NDArray[np.signedinteger[Any]]  # int8 to int64, whatever holds the values
BoolArray = npt.NDArray[np.bool_]

FACTORS: tuple[str, ...] = ("skill", "certification", "distance", "capacity", "time")
# README "Scoring" documents every constant below.
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "skill": 0.35,
    "certification": 0.15,
    "distance": 0.2,
    "capacity": 0.2,
    "time": 0.1,
}
DISTANCE_SCALE_KM = 150.0  # distance factor = exp(-d / scale): 0.5 at ~104 km, 0.37 at 150 km
FULL_TIME_DAYS = 14  # starting this many days (or more) before needed_by scores 1
VERIFIED_CREDIT = 1.0  # a preferred certification held and verified
UNVERIFIED_CREDIT = 0.7  # held (valid on needed_by) but not verified
MOQ_PENALTY = 0.2  # capacity factor multiplier when min_order_quantity > quantity wanted
EARTH_RADIUS_KM = 6371.0088  # the same IUGG mean radius as app.geo.distance
SCORE_DECIMALS = 6
DISTANCE_DECIMALS = 3
NO_EXPIRY = date.max.toordinal()  # a certification without valid_until
NOT_HELD = -1  # ordinal sentinel: the organisation does not hold the certification


class Labelled(Protocol):
    def label(self, language: str) -> str: ...


class TaxonomyLike(Protocol):
    """What the scorer needs of ``app.taxonomy.model.Taxonomy``."""

    def similarity(self, wanted: str, offered: str, *, kind: Kind = "skill") -> float: ...

    def cross_similarity(
        self, wanted: str, offered: str, *, wanted_kind: Kind, offered_kind: Kind
    ) -> float: ...

    def get(self, kind: Kind, code: str) -> Labelled | None: ...


def quantise(value: float, decimals: int = SCORE_DECIMALS) -> float:
    """Round half up to ``decimals``; bit-identical to ``quantise_array`` (numpy's round is not)."""
    scale = 10.0**decimals
    return math.floor(value * scale + 0.5) / scale


def quantise_array(values: FloatArray, decimals: int = SCORE_DECIMALS) -> FloatArray:
    scale = 10.0**decimals
    return np.floor(values * scale + 0.5) / scale


def resolve_weights(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Defaults merged with a request's overrides, each in [0, 1], normalised to sum 1.

    Raises ``ValueError`` naming the problem (the API turns it into 422).
    """
    weights = dict(DEFAULT_WEIGHTS)
    for name, value in (overrides or {}).items():
        if name not in DEFAULT_WEIGHTS:
            raise ValueError(f"unknown weight '{name}'; known: {', '.join(FACTORS)}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"weight '{name}' must be a number")
        if not (math.isfinite(value) and 0.0 <= value <= 1.0):
            raise ValueError(f"weight '{name}' must be between 0 and 1, got {value}")
        weights[name] = float(value)
    total = sum(weights[name] for name in FACTORS)
    if total <= 0.0:
        raise ValueError("at least one weight must be greater than 0")
    return {name: weights[name] / total for name in FACTORS}


@dataclass(frozen=True, slots=True)
class Want:
    """The request side of a match: what is wanted, where, by when, how much."""

    skills: tuple[str, ...]
    products: tuple[str, ...]
    quantity: int
    needed_by: date
    lat: float
    lon: float
    today: date
    required_certifications: tuple[str, ...] = ()
    preferred_certifications: tuple[str, ...] = ()
    max_distance_km: float | None = None
    weights: Mapping[str, float] | None = None
    unit: str = "pieces"

    def __post_init__(self) -> None:
        if not self.skills and not self.products:
            raise ValueError("a request must name at least one skill or product")
        if self.quantity <= 0:
            raise ValueError("quantity must be greater than 0")
        resolve_weights(self.weights)  # fail early on bad overrides

    @property
    def wanted(self) -> list[tuple[Kind, str]]:
        """Every wanted code with its kind, skills first, duplicates dropped."""
        pairs: list[tuple[Kind, str]] = [("skill", code) for code in self.skills]
        pairs += [("product", code) for code in self.products]
        return list(dict.fromkeys(pairs))


@dataclass(frozen=True, slots=True)
class HeldCertification:
    """A certification an offer's organisation holds."""

    valid_until: date | None = None
    verified: bool = False


@dataclass(frozen=True, slots=True)
class OfferRecord:
    """One offer as plain values.

    ``active`` and ``visible`` are decided by the caller (the live index holds only
    active offers); ``partner_id`` with ``shared`` decides who may see it (``Viewer``).
    """

    id: str
    lat: float
    lon: float
    skills: tuple[str, ...]
    products: tuple[str, ...]
    capacity_per_week: int
    available_from: date
    available_until: date
    capacity_total: int | None = None
    reserved_quantity: int = 0  # reserved and held by engagements
    lead_time_days: int = 0
    min_order_quantity: int = 1
    service_radius_km: float | None = None
    certifications: Mapping[str, HeldCertification] = field(default_factory=dict)
    active: bool = True
    visible: bool = True
    organization_id: str = ""
    partner_id: str = ""
    shared: bool = True
    unit: str = "pieces"
    region: str | None = None

    def visible_to(self, viewer: Viewer | None) -> bool:
        if not self.visible:
            return False
        return (
            viewer is None or viewer.sees_all or self.shared or self.partner_id == viewer.partner_id
        )


@dataclass(frozen=True, slots=True)
class After:
    """Resume after this (score, offer id): the next page of a ranking."""

    score: float
    offer_id: str


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is asking: a partner (or one of its organisations) or the operator.

    Indexed offers are published (drafts never match), so a viewer sees every shared
    offer and its own partner's network offers.
    """

    partner_id: str | None = None
    sees_all: bool = False


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

    def __len__(self) -> int:
        return len(self.start) - 1


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
    ``NOT_HELD`` or ``NO_EXPIRY``). Partners, units and regions are interned.
    Records that are not active or not visible keep their row (ids stay complete) but
    join no group (``leaves``), so no search reaches them.

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

    def ids_after(self, rows: IntArray, offer_id: str) -> BoolArray:
        """Per row: does its offer id sort after ``offer_id``?"""
        if offer_id.startswith(self.id_prefix):
            after: BoolArray = self.ids[rows] > np.bytes_(offer_id[len(self.id_prefix) :].encode())
            return after
        # The first difference lies within the shared start: the same answer for all.
        return np.full(rows.size, self.id_prefix > offer_id, dtype=np.bool_)


def _bits(columns: npt.NDArray[np.int64], flags: npt.NDArray[np.bool_]) -> npt.NDArray[np.uint64]:
    """(N, words) bit sets: bit j of row i set when flags[i, j] (columns give j)."""
    words = max(1, (flags.shape[1] + 63) // 64)
    out = np.zeros((flags.shape[0], words), dtype=np.uint64)
    for j in columns.tolist():
        out[flags[:, j], j // 64] |= np.uint64(1 << (j % 64))
    return out


def _kd_groups(lat: FloatArray, lon: FloatArray, rows: IntArray, leaf_size: int) -> list[IntArray]:
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
    return _kd_groups(lat, lon, rows[order[:half]], leaf_size) + _kd_groups(
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
    codes: int,
    leaf_size: int = DEFAULT_LEAF_SIZE,
    searchable: BoolArray | None = None,
) -> Leaves:
    """Groups of at most ``leaf_size`` rows: one ``partition`` each, split by place.

    Only ``searchable`` rows (default: all) join a group, so rows no search may
    return (inactive, invisible) are never looked at.
    """
    groups: list[IntArray] = []
    members = np.arange(partition.size) if searchable is None else np.flatnonzero(searchable)
    order = members[np.argsort(partition[members], kind="stable")]
    bounds = np.flatnonzero(np.diff(partition[order])) + 1
    for members in np.split(order, bounds):
        if members.size:
            groups.extend(_kd_groups(lat, lon, members, leaf_size))
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
        self.flags = {name: array("b") for name in ("active", "visible", "shared")}
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
            ints["cert_profile"].append(cert_profiles(tuple(sorted(r.certifications.items()))))
            flags["active"].append(r.active)
            flags["visible"].append(r.visible)
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
        reserved = _narrowest(col(self.reserved, np.int64))
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

        cert_keys: list[tuple[tuple[str, HeldCertification], ...]] = cert_profiles.values
        cert_codes = tuple(sorted({code for key in cert_keys for code, _ in key}))
        cert_index = {code: j for j, code in enumerate(cert_codes)}
        valid_until = np.full((len(cert_keys), len(cert_codes)), NOT_HELD, dtype=np.int64)
        verified = np.zeros((len(cert_keys), len(cert_codes)), dtype=np.bool_)
        for q, key in enumerate(cert_keys):
            for code, held in key:
                j = cert_index[code]
                valid_until[q, j] = held.valid_until.toordinal() if held.valid_until else NO_EXPIRY
                verified[q, j] = held.verified

        # Regions: renumber so that "no region" is -1 and names are sorted.
        region_names = sorted(name for name in regions.values if name)
        region_map = np.array(
            [region_names.index(name) if name else -1 for name in regions.values] or [-1],
            dtype=np.int32,
        )
        profile = i32["profile"]
        cert_profile = i32["cert_profile"]
        row_code_bits = _bits(np.arange(len(codes_sorted)), profile_flags[:, :-1])[profile]
        row_cert_bits = _bits(np.arange(len(cert_codes)), valid_until != NOT_HELD)[cert_profile]
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
            len(codes_sorted),
            leaf_size,
            b8["active"] & b8["visible"],
        )
        # Last, like the column copies before it: cutting the ids first left the heap
        # so fragmented that the worker kept 48 MB more after the load (bench/README.md).
        id_prefix, ids = _without_shared_start(id_array[order])
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
            lead_time_days=_narrowest(i32["lead"]),
            min_order_quantity=i32["moq"],
            shared=b8["shared"],
            partner=_narrowest(i32["partner"]),
            partners=tuple(partners.values),
            unit=_narrowest(i32["unit"]),
            units=tuple(units.values),
            region=_narrowest(region_map[i32["region"]]),
            regions=tuple(region_names),
            profile=_narrowest(profile),
            profile_start=profile_start,
            profile_codes=profile_codes,
            codes=codes_sorted,
            cert_profile=_narrowest(cert_profile),
            cert_codes=cert_codes,
            cert_valid_until=valid_until,
            cert_verified=verified,
            leaves=leaves,
        )


def _narrowest(values: npt.NDArray[np.signedinteger[Any]]) -> SmallInts:
    """The same integers in the narrowest signed type that holds them all."""
    if not values.size:
        return values
    low, high = int(values.min()), int(values.max())
    for dtype in (np.int8, np.int16, np.int32):
        limits = np.iinfo(dtype)
        if limits.min <= low and high <= limits.max:
            return values.astype(dtype)
    return values.astype(np.int64)


def _without_shared_start(ids: npt.NDArray[np.bytes_]) -> tuple[str, npt.NDArray[np.bytes_]]:
    """(the start every id shares, the ids without it) of sorted ``ids``.

    Sorted, the first and the last id differ earliest, so what they share, all share.
    """
    if len(ids) == 0:
        return "", ids
    first, last = bytes(ids[0]), bytes(ids[-1])
    shared = 0
    while shared < min(len(first), len(last)) and first[shared] == last[shared]:
        shared += 1
    shared = len(first[:shared].decode(errors="ignore").encode())  # whole characters only
    width = ids.dtype.itemsize
    shared = min(shared, width - 1)  # a tail of at least one byte (a lone id keeps one)
    if shared <= 0:
        return "", ids
    tails = np.ascontiguousarray(ids.view(np.uint8).reshape(len(ids), width)[:, shared:])
    return first[:shared].decode(), tails.view(f"S{width - shared}").reshape(len(ids))


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


# Match and Explanation are built twenty times per search: frozen dataclasses set each
# field through object.__setattr__, which made them a tenth of a 10k-offer search.
@dataclass(slots=True)
class Match:
    """One ranked offer: its score, every factor that went into it, and why."""

    offer_id: str
    score: float
    breakdown: dict[str, float]
    distance_km: float
    deliverable_quantity: int
    reasons: list[str]


@dataclass(slots=True)
class Explanation:
    """The facts behind one match that the reason sentences are made from."""

    wanted: int
    fully_covered: int
    partly_covered: int
    required: tuple[str, ...]
    preferred_held: tuple[tuple[str, bool], ...]  # (code, verified)
    preferred_missing: tuple[str, ...]
    distance_km: float
    deliverable: int
    quantity: int
    min_order_quantity: int
    start: date
    needed_by: date
