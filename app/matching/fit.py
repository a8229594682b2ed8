"""The hard filters of a match, defined once: may this offer serve this request at all?

``assess_fit`` answers with the first filter the offer fails (a small typed value, no
prose) or, when it passes them all, with what the filters measured. The reference
scorer drops every offer that fails (``app.matching.scoring`` is held to the reference
by tests), and an engagement refuses such an offer (``app.matching.fit_check`` words
the refusal): so matching and engagements cannot drift apart.

Pure: values in, a verdict out. No I/O; the taxonomy comes in through a protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.geo.distance import haversine_km
from app.matching.values import (
    IN_PROGRESS_CREDIT,
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
class CertificationLate:
    """The organisation has ``code`` in progress, expected too late: ``expected_by`` plus the
    offer's ``lead_time_days`` falls after needed_by."""

    code: str
    expected_by: date
    lead_time_days: int
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
    | CertificationLate
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


def _counting(
    wanted: str, offer: OfferRecord, needed_by: date
) -> list[tuple[str, HeldCertification]]:
    """The organisation's certifications that serve ``wanted`` for ``needed_by``: the code
    or a more specific one, valid on needed_by, and, when in progress, expected at least
    the offer's lead time before needed_by (then made and delivered in time)."""
    latest_expected = needed_by - timedelta(days=offer.lead_time_days)
    counting = []
    for code, cert in offer.certifications.items():
        if code != wanted and not code.startswith(wanted + "."):
            continue
        if cert.valid_until is not None and cert.valid_until < needed_by:
            continue
        if cert.expected_by is not None and cert.expected_by > latest_expected:
            continue
        counting.append((code, cert))
    return counting


def certification_credit(wanted: str, offer: OfferRecord, needed_by: date) -> float:
    """The best credit among the certifications that serve ``wanted`` for needed_by:
    held and verified, held, or in progress in time (``IN_PROGRESS_CREDIT``); else 0."""
    best = 0.0
    for _, cert in _counting(wanted, offer, needed_by):
        if cert.expected_by is not None:
            credit = IN_PROGRESS_CREDIT
        else:
            credit = VERIFIED_CREDIT if cert.verified else UNVERIFIED_CREDIT
        best = max(best, credit)
    return best


def certification_expected(wanted: str, offer: OfferRecord, needed_by: date) -> date | None:
    """When the organisation will have ``wanted`` for needed_by: ``date.min`` when it holds
    it (valid then), else the earliest date a certification in progress is expected in
    time, else None (it cannot serve a request that requires it)."""
    expected = [cert.expected_by or date.min for _, cert in _counting(wanted, offer, needed_by)]
    return min(expected, default=None)


def required_in_progress(want: Want, offer: OfferRecord) -> tuple[tuple[str, date], ...]:
    """The required certifications the organisation has only in progress (in time), each
    with the date it is expected; empty when it holds every one (or misses one)."""
    found = []
    for code in want.required_certifications:
        expected = certification_expected(code, offer, want.needed_by)
        if expected is not None and expected > date.min:
            found.append((code, expected))
    return tuple(found)


def certification_factor(want: Want, offer: OfferRecord) -> float:
    """The ``certification`` factor: the mean credit over the preferred certifications
    (1.0 when none is preferred), times ``IN_PROGRESS_CREDIT`` for each required one the
    organisation has only in progress. Required ones held do not count (they are a hard
    filter), so the factor is below 1 whenever a required one is only in progress, and
    every credit rising (in progress -> held -> verified) never lowers it."""
    factor = 1.0
    if want.preferred_certifications:
        credit = 0.0
        for code in want.preferred_certifications:
            credit += certification_credit(code, offer, want.needed_by)
        factor = credit / len(want.preferred_certifications)
    for _ in required_in_progress(want, offer):
        factor = factor * IN_PROGRESS_CREDIT
    return factor


def earliest_start(offer: OfferRecord, want: Want) -> date:
    """The first day the offer can produce for ``want``: after its lead time, within its
    window, and not before the latest required certification in progress is expected."""
    start = max(offer.available_from, want.today + timedelta(days=offer.lead_time_days))
    for _, expected in required_in_progress(want, offer):
        start = max(start, expected)
    return start


def deliverable_quantity(offer: OfferRecord, want: Want) -> int:
    """What the offer can still deliver by needed_by (never below 0)."""
    if offer.capacity_total is not None:
        total = offer.capacity_total
    else:
        window_days = (offer.available_until - offer.available_from).days + 1
        total = max(0, offer.capacity_per_week * window_days // 7)
    start = earliest_start(offer, want)
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
        if certification_expected(code, offer, want.needed_by) is None:
            return _missing(code, offer, want)
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


def _missing(code: str, offer: OfferRecord, want: Want) -> CertificationMissing | CertificationLate:
    """Why a required certification does not count: in progress but too late, or missing."""
    pending = [
        cert.expected_by
        for held, cert in offer.certifications.items()
        if (held == code or held.startswith(code + ".")) and cert.expected_by is not None
    ]
    if pending:
        return CertificationLate(
            code=code,
            expected_by=min(pending),
            lead_time_days=offer.lead_time_days,
            needed_by=want.needed_by,
        )
    return CertificationMissing(code=code, needed_by=want.needed_by)
