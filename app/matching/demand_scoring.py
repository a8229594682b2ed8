"""Score and rank open requests for one offer, vectorised with numpy.

Pure: (offer, request columns, taxonomy) -> top-k requests with a per-factor
breakdown and reasons. No I/O, no ORM, no FastAPI. The semantics are those of
``app.matching.demand_reference`` (each pair through the reference scorer); tests
hold the two to the same top-k.

One offer against N requests needs no groups or bounds: what depends on the offer
alone is worked out once (its earliest start, capacity over the window, which
certifications it holds until when, and per wanted code the best similarity its
codes give, kept per code mix), so each request costs a few array operations. The
cheap tests run over every row first, the trigonometry only for the rows left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from app.geo.distance import haversine_km_array
from app.matching.demand import AfterRequest, DemandMatch, wanted_codes
from app.matching.demand_columns import OfferReach, Requests
from app.matching.reasons import ReasonWriter
from app.matching.values import (
    DISTANCE_DECIMALS,
    DISTANCE_SCALE_KM,
    FACTORS,
    FULL_TIME_DAYS,
    MOQ_PENALTY,
    NO_EXPIRY,
    NOT_HELD,
    UNVERIFIED_CREDIT,
    VERIFIED_CREDIT,
    BoolArray,
    Explanation,
    FloatArray,
    IntArray,
    OfferRecord,
    TaxonomyLike,
    Viewer,
    quantise_array,
)

__all__ = ["score_requests"]

REACH_CACHE_SIZE = 4096  # offer code mixes remembered per index; a full cache starts over


@dataclass(frozen=True, slots=True)
class _Offer:
    """What one search knows about the offer before it looks at any request."""

    record: OfferRecord
    start: int  # earliest start (ordinal): the same for every request
    until: int
    total: int  # capacity over the whole window
    reach: OfferReach
    held_until: IntArray  # per certification code (and the two pads): valid until, any
    verified_until: IntArray  # ... and verified only


@dataclass(slots=True)
class _Scored:
    rows: IntArray
    score: FloatArray
    factors: dict[str, FloatArray]
    distance: FloatArray
    deliverable: IntArray


def _reach(offer: OfferRecord, r: Requests, taxonomy: TaxonomyLike) -> OfferReach:
    offered = wanted_codes(offer.skills, offer.products)
    reach = r.reach_cache.get(offered)
    if reach is not None and reach.taxonomy is taxonomy:
        return reach
    best = np.array(
        [
            max(
                [0.0]
                + [
                    taxonomy.cross_similarity(
                        code, other, wanted_kind=kind, offered_kind=other_kind
                    )
                    for other_kind, other in offered
                ]
            )
            for kind, code in r.codes
        ]
        + [0.0],
        dtype=np.float64,
    )
    total = np.zeros(len(r.profile_size), dtype=np.float64)
    for column in r.profile_codes.T:  # summed in the reference's order so the floats agree
        total = total + best[column]
    reach = OfferReach(taxonomy, best, total)
    if len(r.reach_cache) >= REACH_CACHE_SIZE:
        r.reach_cache.clear()
    r.reach_cache[offered] = reach
    return reach


def _certifications(offer: OfferRecord, r: Requests) -> tuple[IntArray, IntArray]:
    """Per certification code of the requests: until when the offer's organisation holds
    it or a more specific code (any, verified), ``NOT_HELD`` when never; then the pads."""
    held = np.full(len(r.cert_codes) + 2, NOT_HELD, dtype=np.int64)
    verified = held.copy()
    for j, code in enumerate(r.cert_codes):
        for held_code, cert in offer.certifications.items():
            if held_code != code and not held_code.startswith(code + "."):
                continue
            until = cert.valid_until.toordinal() if cert.valid_until is not None else NO_EXPIRY
            held[j] = max(held[j], until)
            if cert.verified:
                verified[j] = max(verified[j], until)
    held[r.always] = verified[r.always] = NO_EXPIRY
    return held, verified


def _prepare(offer: OfferRecord, r: Requests, taxonomy: TaxonomyLike, today: date) -> _Offer:
    start = max(offer.available_from, today + timedelta(days=offer.lead_time_days)).toordinal()
    until = offer.available_until.toordinal()
    if offer.capacity_total is not None:
        total = offer.capacity_total
    else:
        total = max(
            0, offer.capacity_per_week * (until - offer.available_from.toordinal() + 1) // 7
        )
    held, verified = _certifications(offer, r)
    return _Offer(offer, start, until, total, _reach(offer, r, taxonomy), held, verified)


def _candidates(
    o: _Offer,
    r: Requests,
    *,
    today: int,
    allowed: BoolArray | None,
    viewer: Viewer | None,
    region: int | None,
    organization: int | None,
) -> IntArray:
    """Rows that pass every hard filter but distance and capacity (cheap, over all rows)."""
    keep = r.needed_by >= today
    if len(r.units) > 1:  # score_requests checked that the offer's unit is among them
        keep &= r.unit == r.units.index(o.record.unit)
    if viewer is not None and not viewer.sees_all:
        if viewer.partner_id in r.partners:
            keep &= r.shared | (r.partner == r.partners.index(viewer.partner_id))
        else:
            keep &= r.shared
    if region is not None:
        keep &= r.region == region
    if organization is not None:
        keep &= r.organization != organization
    if allowed is not None:
        keep &= allowed
    keep &= o.reach.total[r.profile] > 0.0  # at least one wanted code covered
    met_until = o.held_until[r.required_codes].min(axis=1)  # per requirement set
    keep &= met_until[r.required] >= r.needed_by
    return np.flatnonzero(keep)


def _score_rows(
    o: _Offer,
    r: Requests,
    rows: IntArray,
    *,
    limit: int,
    min_score: float,
    after: AfterRequest | None,
) -> _Scored:
    offer = o.record
    needed_by = r.needed_by[rows]
    end = np.minimum(o.until, needed_by)
    in_time = offer.capacity_per_week * np.maximum(0, end - o.start + 1) // 7
    deliverable = np.maximum(0, np.minimum(o.total, in_time) - offer.reserved_quantity)
    ok = np.flatnonzero(deliverable > 0)
    rows, needed_by, deliverable = rows[ok], needed_by[ok], deliverable[ok]

    distance = haversine_km_array(r.lat[rows], r.lon[rows], offer.lat, offer.lon)
    near = ~(r.max_distance_km[rows] < distance)  # NaN: no limit
    if offer.service_radius_km is not None:
        near &= distance <= offer.service_radius_km
    ok = np.flatnonzero(near)
    rows, needed_by, deliverable, distance = rows[ok], needed_by[ok], deliverable[ok], distance[ok]

    profile = r.profile[rows]
    skill = o.reach.total[profile] / r.profile_size[profile]
    preferred = r.preferred[rows]
    credit = np.zeros(rows.size, dtype=np.float64)
    for column in r.preferred_codes.T:  # in order; the pad adds 0.0, which changes nothing
        codes = column[preferred]
        credit = credit + np.where(
            o.verified_until[codes] >= needed_by,
            VERIFIED_CREDIT,
            np.where(o.held_until[codes] >= needed_by, UNVERIFIED_CREDIT, 0.0),
        )
    size = r.preferred_size[preferred]
    certification = np.where(size > 0, credit / np.maximum(size, 1), 1.0)
    quantity = r.quantity[rows]
    capacity = np.minimum(1.0, deliverable / quantity)
    capacity = np.where(offer.min_order_quantity > quantity, capacity * MOQ_PENALTY, capacity)
    factors: dict[str, FloatArray] = {
        "skill": skill,
        "certification": certification,
        "distance": np.exp(-distance / DISTANCE_SCALE_KM),
        "capacity": capacity,
        "time": np.minimum(1.0, np.maximum(0.0, (needed_by - o.start) / FULL_TIME_DAYS)),
    }
    weights = r.weights[r.weight[rows]]
    score = np.zeros(rows.size, dtype=np.float64)
    for k, name in enumerate(FACTORS):
        score = score + weights[:, k] * factors[name]
    score = quantise_array(np.minimum(1.0, score))

    contender = score >= min_score
    if after is not None:
        contender &= (score < after.score) | (
            (score == after.score) & r.ids_after(rows, after.request_id)
        )
    chosen = np.flatnonzero(contender)
    if chosen.size > limit:
        # Only the best ``limit`` can make the page: keep every row scoring at least
        # the limit-th best score (ties included) before ordering.
        cut = np.partition(score[chosen], chosen.size - limit)[chosen.size - limit]
        chosen = chosen[score[chosen] >= cut]
    chosen = chosen[np.lexsort((rows[chosen], -score[chosen]))][:limit]
    return _Scored(
        rows=rows[chosen],
        score=score[chosen],
        factors={name: values[chosen] for name, values in factors.items()},
        distance=distance[chosen],
        deliverable=deliverable[chosen],
    )


def _credit(o: _Offer, code: int, needed_by: int) -> float:
    if o.verified_until[code] >= needed_by:
        return VERIFIED_CREDIT
    return UNVERIFIED_CREDIT if o.held_until[code] >= needed_by else 0.0


def _matches(
    o: _Offer, r: Requests, found: _Scored, taxonomy: TaxonomyLike, language: str
) -> list[DemandMatch]:
    """The ``found`` rows as matches, best first, with reasons in ``language``."""
    # Plain lists: a page is at most a hundred rows, numpy scalars one by one cost more.
    names = tuple(found.factors)
    breakdowns = [
        dict(zip(names, values, strict=True))
        for values in zip(
            *(quantise_array(v).tolist() for v in found.factors.values()), strict=True
        )
    ]
    distances = quantise_array(found.distance, DISTANCE_DECIMALS).tolist()
    start = date.fromordinal(o.start)
    reasons = ReasonWriter.shared(taxonomy, language)
    out = []
    for i, (row, score, deliverable) in enumerate(
        zip(found.rows.tolist(), found.score.tolist(), found.deliverable.tolist(), strict=True)
    ):
        profile = int(r.profile[row])
        best = o.reach.best[r.profile_codes[profile, : r.profile_size[profile]]].tolist()
        needed_by = int(r.needed_by[row])
        preferred = int(r.preferred[row])
        credits = [
            (code, _credit(o, int(j), needed_by))
            for code, j in zip(
                r.preferences[preferred], r.preferred_codes[preferred].tolist(), strict=False
            )
        ]
        facts = Explanation(
            wanted=len(best),
            fully_covered=sum(1 for value in best if value >= 1.0),
            partly_covered=sum(1 for value in best if 0.0 < value < 1.0),
            required=r.requirements[int(r.required[row])],
            preferred_held=tuple(
                (code, credit >= VERIFIED_CREDIT) for code, credit in credits if credit
            ),
            preferred_missing=tuple(code for code, credit in credits if not credit),
            distance_km=distances[i],
            deliverable=deliverable,
            quantity=int(r.quantity[row]),
            min_order_quantity=o.record.min_order_quantity,
            start=start,
            needed_by=date.fromordinal(needed_by),
        )
        out.append(
            DemandMatch(
                request_id=r.ids[row].decode(),
                score=score,
                breakdown=breakdowns[i],
                distance_km=distances[i],
                deliverable_quantity=deliverable,
                reasons=reasons(facts),
            )
        )
    return out


def score_requests(
    offer: OfferRecord,
    requests: Requests,
    taxonomy: TaxonomyLike,
    *,
    today: date,
    limit: int,
    min_score: float = 0.0,
    language: str = "en",
    allowed: BoolArray | None = None,
    viewer: Viewer | None = None,
    region: str | None = None,
    exclude_organization: str | None = None,
    after: AfterRequest | None = None,
) -> list[DemandMatch]:
    """The best ``limit`` requests ``offer`` could serve: score descending, then request id.

    ``allowed`` is an optional extra row mask (rows superseded by newer versions),
    ``viewer`` limits to the requests that viewer may see, ``region`` to one region,
    ``exclude_organization`` leaves out that organisation's requests (an
    organisation never engages its own offer), ``after`` continues a ranking.
    """
    r = requests
    if limit <= 0 or not len(r) or offer.available_until < today or offer.unit not in r.units:
        return []
    region_index: int | None = None
    if region is not None:
        if region not in r.regions:
            return []
        region_index = r.regions.index(region)
    organization = (
        None if exclude_organization is None else r.organizations.get(exclude_organization)
    )
    o = _prepare(offer, r, taxonomy, today)
    rows = _candidates(
        o,
        r,
        today=today.toordinal(),
        allowed=allowed,
        viewer=viewer,
        region=region_index,
        organization=organization,
    )
    found = _score_rows(o, r, rows, limit=limit, min_score=min_score, after=after)
    return _matches(o, r, found, taxonomy, language)
