"""The values the scorer works on: a request's wants, offers (as records and as columns), matches.

Pure data and the rules both scorers share (weights, constants, rounding). Nothing
here imports from the rest of the app: the taxonomy comes in through a protocol.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

Kind = Literal["skill", "product", "certification"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
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
    """One offer as plain values; ``active``/``visible`` are decided by the caller."""

    id: str
    lat: float
    lon: float
    skills: tuple[str, ...]
    products: tuple[str, ...]
    capacity_per_week: int
    available_from: date
    available_until: date
    capacity_total: int | None = None
    reserved_quantity: int = 0
    lead_time_days: int = 0
    min_order_quantity: int = 1
    service_radius_km: float | None = None
    certifications: Mapping[str, HeldCertification] = field(default_factory=dict)
    active: bool = True
    visible: bool = True


@dataclass(frozen=True, slots=True)
class Candidates:
    """N offers as column arrays, the form the fast scorer vectorises over.

    Codes are encoded against the distinct codes present (``codes``, ``cert_codes``):
    ``code_incidence[i, j]`` says offer i names ``codes[j]``; ``cert_valid_until[i, j]``
    is the ordinal until which offer i's organisation holds ``cert_codes[j]``
    (``NOT_HELD`` when it does not, ``NO_EXPIRY`` without an end).
    """

    ids: tuple[str, ...]
    id_rank: IntArray  # position of each id in sorted order: the tie-breaker
    lat: FloatArray
    lon: FloatArray
    service_radius_km: FloatArray  # NaN: unlimited
    per_week: IntArray
    capacity_total: IntArray  # -1: none, per-week capacity over the window instead
    reserved: IntArray
    available_from: IntArray  # date ordinals
    available_until: IntArray
    lead_time_days: IntArray
    min_order_quantity: IntArray
    active: BoolArray
    visible: BoolArray
    codes: tuple[tuple[Kind, str], ...]
    code_incidence: BoolArray  # (N, len(codes))
    cert_codes: tuple[str, ...]
    cert_valid_until: IntArray  # (N, len(cert_codes))
    cert_verified: BoolArray  # (N, len(cert_codes))

    def __len__(self) -> int:
        return len(self.ids)


def build_candidates(records: Sequence[OfferRecord]) -> Candidates:
    """Column arrays for ``records`` (the order is kept)."""
    n = len(records)
    codes = sorted(
        {("skill", c) for r in records for c in r.skills}
        | {("product", c) for r in records for c in r.products}
    )
    code_index = {code: j for j, code in enumerate(codes)}
    incidence = np.zeros((n, len(codes)), dtype=np.bool_)
    cert_codes = sorted({c for r in records for c in r.certifications})
    cert_index = {code: j for j, code in enumerate(cert_codes)}
    valid_until = np.full((n, len(cert_codes)), NOT_HELD, dtype=np.int64)
    verified = np.zeros((n, len(cert_codes)), dtype=np.bool_)
    for i, record in enumerate(records):
        for kind, offered in (("skill", record.skills), ("product", record.products)):
            for code in offered:
                incidence[i, code_index[(kind, code)]] = True
        for code, held in record.certifications.items():
            j = cert_index[code]
            valid_until[i, j] = (
                held.valid_until.toordinal() if held.valid_until is not None else NO_EXPIRY
            )
            verified[i, j] = held.verified
    ids = tuple(r.id for r in records)
    id_rank = np.empty(n, dtype=np.int64)
    id_rank[np.argsort(np.array(ids, dtype=object), kind="stable")] = np.arange(n)

    def ints(values: list[int]) -> IntArray:
        return np.array(values, dtype=np.int64).reshape(n)

    return Candidates(
        ids=ids,
        id_rank=id_rank,
        lat=np.array([r.lat for r in records], dtype=np.float64).reshape(n),
        lon=np.array([r.lon for r in records], dtype=np.float64).reshape(n),
        service_radius_km=np.array(
            [math.nan if r.service_radius_km is None else r.service_radius_km for r in records],
            dtype=np.float64,
        ).reshape(n),
        per_week=ints([r.capacity_per_week for r in records]),
        capacity_total=ints(
            [-1 if r.capacity_total is None else r.capacity_total for r in records]
        ),
        reserved=ints([r.reserved_quantity for r in records]),
        available_from=ints([r.available_from.toordinal() for r in records]),
        available_until=ints([r.available_until.toordinal() for r in records]),
        lead_time_days=ints([r.lead_time_days for r in records]),
        min_order_quantity=ints([r.min_order_quantity for r in records]),
        active=np.array([r.active for r in records], dtype=np.bool_).reshape(n),
        visible=np.array([r.visible for r in records], dtype=np.bool_).reshape(n),
        codes=tuple(codes),  # type: ignore[arg-type]
        code_incidence=incidence,
        cert_codes=tuple(cert_codes),
        cert_valid_until=valid_until,
        cert_verified=verified,
    )


@dataclass(frozen=True, slots=True)
class Match:
    """One ranked offer: its score, every factor that went into it, and why."""

    offer_id: str
    score: float
    breakdown: dict[str, float]
    distance_km: float
    deliverable_quantity: int
    reasons: list[str]


@dataclass(frozen=True, slots=True)
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
