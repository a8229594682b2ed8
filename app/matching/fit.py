"""The hard filters of a match, defined once: may this offer serve this request at all?

``assess_fit`` answers with the first filter the offer fails (a small typed value, no
prose) or, when it passes them all, with what the filters measured. The reference
scorer drops every offer that fails (``app.matching.scoring`` is held to the reference
by tests), and an engagement refuses such an offer (``app.matching.fit_check`` words
the refusal): so matching and engagements cannot drift apart.

Pure: values in, a verdict out. No I/O; the taxonomy comes in through a protocol.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from app.geo.distance import haversine_km
from app.matching.values import (
    UNVERIFIED_CREDIT,
    VERIFIED_CREDIT,
    HeldCertification,
    OfferRecord,
    TaxonomyLike,
    Want,
)


@dataclass(frozen=True, slots=True)
class OtherUnit:
    """The offer counts another unit than the request."""

    offered: str
    wanted: str


@dataclass(frozen=True, slots=True)
class WindowEnded:
    """The offer's availability ended before today."""

    available_until: date


@dataclass(frozen=True, slots=True)
class CertificationMissing:
    """The offer's organisation does not hold ``code`` (or a narrower code) valid on needed_by."""

    code: str
    needed_by: date


@dataclass(frozen=True, slots=True)
class BeyondRequestDistance:
    """The offer is farther from the delivery point than the request accepts."""

    distance_km: float
    max_distance_km: float


@dataclass(frozen=True, slots=True)
class BeyondServiceRadius:
    """The delivery point lies outside the radius the offer serves."""

    distance_km: float
    service_radius_km: float


@dataclass(frozen=True, slots=True)
class NothingCovered:
    """No requested skill or product is covered by the offer (hierarchy counts)."""


@dataclass(frozen=True, slots=True)
class NothingInTime:
    """The offer can deliver no unit by needed_by."""

    needed_by: date


Misfit = (
    OtherUnit
    | WindowEnded
    | CertificationMissing
    | BeyondRequestDistance
    | BeyondServiceRadius
    | NothingCovered
    | NothingInTime
)


@dataclass(frozen=True, slots=True)
class Fit:
    """The offer passes every hard filter; what the filters measured, for the scorer."""

    distance_km: float
    coverage: tuple[float, ...]  # per wanted code (``Want.wanted``): the best similarity
    deliverable: int


def certification_credit(
    wanted: str, held: Mapping[str, HeldCertification], needed_by: date
) -> float:
    """Best credit among held codes that are ``wanted`` or more specific, valid on needed_by."""
    best = 0.0
    for code, cert in held.items():
        if code != wanted and not code.startswith(wanted + "."):
            continue
        if cert.valid_until is not None and cert.valid_until < needed_by:
            continue
        best = max(best, VERIFIED_CREDIT if cert.verified else UNVERIFIED_CREDIT)
    return best


def earliest_start(offer: OfferRecord, today: date) -> date:
    return max(offer.available_from, today + timedelta(days=offer.lead_time_days))


def deliverable_quantity(offer: OfferRecord, want: Want) -> int:
    """What the offer can still deliver by needed_by (never below 0)."""
    if offer.capacity_total is not None:
        total = offer.capacity_total
    else:
        window_days = (offer.available_until - offer.available_from).days + 1
        total = max(0, offer.capacity_per_week * window_days // 7)
    start = earliest_start(offer, want.today)
    end = min(offer.available_until, want.needed_by)
    usable_days = max(0, (end - start).days + 1)
    in_time = offer.capacity_per_week * usable_days // 7
    return max(0, min(total, in_time) - offer.reserved_quantity)


def coverage(want: Want, offer: OfferRecord, taxonomy: TaxonomyLike) -> tuple[float, ...]:
    """Per wanted code, the best similarity any offered skill or product gives it."""
    best: list[float] = []
    for wanted_kind, wanted in want.wanted:
        value = 0.0
        for offered_kind, offered_codes in (("skill", offer.skills), ("product", offer.products)):
            for offered in offered_codes:
                similarity = taxonomy.cross_similarity(
                    wanted,
                    offered,
                    wanted_kind=wanted_kind,
                    offered_kind=offered_kind,  # type: ignore[arg-type]
                )
                value = max(value, similarity)
        best.append(value)
    return tuple(best)


def assess_fit(want: Want, offer: OfferRecord, taxonomy: TaxonomyLike) -> Fit | Misfit:
    """The first hard filter ``offer`` fails for ``want``, or ``Fit`` when it fails none.

    Cheap filters first: the scorer runs this for every candidate.
    """
    if offer.unit != want.unit:
        return OtherUnit(offered=offer.unit, wanted=want.unit)
    if offer.available_until < want.today:
        return WindowEnded(available_until=offer.available_until)
    for code in want.required_certifications:
        if certification_credit(code, offer.certifications, want.needed_by) == 0.0:
            return CertificationMissing(code=code, needed_by=want.needed_by)
    distance = haversine_km(want.lat, want.lon, offer.lat, offer.lon)
    if want.max_distance_km is not None and distance > want.max_distance_km:
        return BeyondRequestDistance(distance_km=distance, max_distance_km=want.max_distance_km)
    if offer.service_radius_km is not None and distance > offer.service_radius_km:
        return BeyondServiceRadius(distance_km=distance, service_radius_km=offer.service_radius_km)
    best = coverage(want, offer, taxonomy)
    if max(best) <= 0.0:
        return NothingCovered()
    deliverable = deliverable_quantity(offer, want)
    if deliverable <= 0:
        return NothingInTime(needed_by=want.needed_by)
    return Fit(distance_km=distance, coverage=best, deliverable=deliverable)
