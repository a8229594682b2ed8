"""The values matching works on: a request's wants, an offer as a record, a match and why.

Pure data and the rules both scorers share (weights, constants, rounding). Nothing
here does I/O: the taxonomy comes in through a protocol. The column form of many
offers is in ``candidates``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from app.matching.reliability import NEWCOMER, TrackRecord

Kind = Literal["skill", "product", "certification"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
# Per-offer columns: quantities are at most 1e9 (API) and dates are ordinals, so 32 bits
# hold them and a million offers take half the memory. Arithmetic that can grow (per
# week x days) is done in 64 bits after gathering the rows it needs.
Int32Array = npt.NDArray[np.int32]
SmallInts = npt.NDArray[np.signedinteger[Any]]  # int8 to int64, whatever holds the values
BoolArray = npt.NDArray[np.bool_]

FACTORS: tuple[str, ...] = (
    "skill",
    "certification",
    "distance",
    "capacity",
    "time",
    "reliability",
)
# docs/guides/matching.md ("Factors") documents every constant below. The weights are
# normalised to sum 1 (these sum to 1.05: reliability came last, as a small nudge, and
# the others kept their proportions).
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "skill": 0.35,
    "certification": 0.15,
    "distance": 0.2,
    "capacity": 0.2,
    "time": 0.1,
    "reliability": 0.05,
}
DISTANCE_SCALE_KM = 150.0  # distance factor = exp(-d / scale): 0.5 at ~104 km, 0.37 at 150 km
FULL_TIME_DAYS = 14  # starting this many days (or more) before needed_by scores 1
VERIFIED_CREDIT = 1.0  # a preferred certification held and verified
UNVERIFIED_CREDIT = 0.7  # held (valid on needed_by) but not verified
# In progress, expected in time (expected_by + lead_time_days <= needed_by): a preferred
# one earns this; each required one multiplies the certification factor by it.
IN_PROGRESS_CREDIT = 0.5
MOQ_PENALTY = 0.2  # capacity factor multiplier when min_order_quantity > quantity wanted
SCORE_DECIMALS = 6
DISTANCE_DECIMALS = 3
NO_EXPIRY = date.max.toordinal()  # a certification without valid_until
NOT_HELD = -1  # ordinal sentinel: the organisation does not hold the certification
HELD_NOW = 0  # expected-by ordinal of a certification already held (before any date)


class Labelled(Protocol):
    def label(self, language: str) -> str: ...


class TaxonomyLike(Protocol):
    """What the scorer needs of ``app.taxonomy.vocabulary.Taxonomy``."""

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
    """A certification an offer's organisation holds, or has in progress when
    ``expected_by`` is set (then it has no ``valid_until`` and is not verified: the
    certificate is not issued yet)."""

    valid_until: date | None = None
    verified: bool = False
    expected_by: date | None = None

    def __post_init__(self) -> None:
        if self.expected_by is not None and (self.valid_until is not None or self.verified):
            raise ValueError("a certification in progress has no expiry and is not verified")

    @property
    def in_progress(self) -> bool:
        return self.expected_by is not None


Certifications = Mapping[str, HeldCertification]  # code -> as held by one organisation


@dataclass(frozen=True, slots=True)
class OfferRecord:
    """One offer as plain values: one the index holds (active, window not ended).

    ``partner_id`` with ``shared`` decides who may see it (``Viewer``).
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
    track: TrackRecord = NEWCOMER  # its organisation's history as a seller
    organization_id: str = ""
    partner_id: str = ""
    shared: bool = True
    unit: str = "pieces"
    region: str | None = None

    def visible_to(self, viewer: Viewer | None) -> bool:
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
    # Certifications in progress that count, with the date each is expected: required
    # ones (the others of ``required`` are held) and preferred ones.
    required_expected: tuple[tuple[str, date], ...]
    preferred_expected: tuple[tuple[str, date], ...]
    distance_km: float
    deliverable: int
    quantity: int
    min_order_quantity: int
    start: date
    needed_by: date
    track: TrackRecord = NEWCOMER  # the offer's organisation's history as a seller
