"""Score and rank open requests for one offer, vectorised with numpy.

Pure: (offer, request columns, taxonomy) -> top-k requests with a per-factor
breakdown and reasons. No I/O, no ORM, no FastAPI. The semantics are those of
``app.matching.demand_reference`` (each pair through the reference scorer); tests
hold the two to the same top-k.

What depends on the offer alone is worked out once per call (its earliest start,
capacity over the window, until when it holds which certification, and per wanted
code the best similarity its codes give, kept per code mix). Speed comes from not
looking at most requests, as for offers: requests are grouped by weights, code
family and place (``DemandGroups``); each group gets an upper bound of the score a
member could reach (best skill among its profiles, nearest corner, latest date,
smallest quantity). Groups are scored best bound first, and the search stops once
the next bound is below the k-th best score found: the answer is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from app.geo.distance import haversine_km_array
from app.matching.demand import AfterRequest, DemandMatch
from app.matching.demand_bounds import group_bounds
from app.matching.demand_columns import Requests
from app.matching.demand_plan import DemandScored, OfferPlan, prepare_offer, requirements
from app.matching.demand_results import demand_matches
from app.matching.values import (
    DISTANCE_SCALE_KM,
    FACTORS,
    FULL_TIME_DAYS,
    IN_PROGRESS_CREDIT,
    MOQ_PENALTY,
    UNVERIFIED_CREDIT,
    VERIFIED_CREDIT,
    BoolArray,
    FloatArray,
    IntArray,
    OfferRecord,
    TaxonomyLike,
    Viewer,
    quantise_array,
)

__all__ = ["score_requests"]

FIRST_BATCH_ROWS = 1024  # rows scored before the stopping bound is first checked; each
BATCH_GROWTH = 4  # later step takes this many times as many (a batch has a fixed cost),
MAX_BATCH_ROWS = 16384  # up to this, as for offers
# Bounds are raw sums; a score is rounded half up to 6 decimals, so a member may score
# up to half a unit of the 6th decimal above its bound: compare with that much room.
BOUND_SLACK = 1e-6


@dataclass(frozen=True, slots=True)
class _Filters:
    """Who asks and what they leave out, as the numbers of these columns."""

    today: int
    unit: int | None  # None: every row is in the offer's unit
    partner: int | None  # None: sees every request; -1: only shared ones
    region: int | None
    organization: int | None  # the offer's own organisation's requests are left out
    allowed: BoolArray | None


def _passing(o: OfferPlan, r: Requests, rows: IntArray, f: _Filters) -> IntArray:
    """Those of ``rows`` that pass every hard filter but distance and capacity (cheap)."""
    needed_by = r.needed_by[rows]
    keep = needed_by >= f.today
    if f.unit is not None:
        keep &= r.unit[rows] == f.unit
    if f.partner is not None:
        keep &= r.shared[rows] | (r.partner[rows] == f.partner)
    if f.region is not None:
        keep &= r.region[rows] == f.region
    if f.organization is not None:
        keep &= r.organization[rows] != f.organization
    if f.allowed is not None:
        keep &= f.allowed[rows]
    keep &= o.reach.total[r.profile[rows]] > 0.0  # at least one wanted code covered
    rows = rows[keep]
    passing: IntArray = rows[requirements(o, r, rows, r.needed_by[rows]).met]
    return passing


def _score_rows(
    o: OfferPlan,
    r: Requests,
    rows: IntArray,
    *,
    limit: int,
    floor: float,
    after: AfterRequest | None,
) -> DemandScored:
    """The best ``limit`` of ``rows`` that pass distance and capacity and score >= ``floor``."""
    offer = o.record
    needed_by = r.needed_by[rows]
    # Rows passed ``_passing``: every required certification is met; one in progress
    # moves the start to its expected date and costs credit.
    required = requirements(o, r, rows, needed_by)
    start, in_progress = required.start, required.in_progress
    end = np.minimum(o.until, needed_by)
    in_time = offer.capacity_per_week * np.maximum(0, end - start + 1) // 7
    deliverable = np.maximum(0, np.minimum(o.total, in_time) - offer.reserved_quantity)
    ok = np.flatnonzero(deliverable > 0)
    rows, needed_by, deliverable, start = rows[ok], needed_by[ok], deliverable[ok], start[ok]
    in_progress = [values[ok] for values in in_progress]

    distance = haversine_km_array(r.lat[rows], r.lon[rows], offer.lat, offer.lon)
    near = ~(r.max_distance_km[rows] < distance)  # NaN: no limit
    if offer.service_radius_km is not None:
        near &= distance <= offer.service_radius_km
    ok = np.flatnonzero(near)
    rows, needed_by, deliverable, distance = rows[ok], needed_by[ok], deliverable[ok], distance[ok]
    start = start[ok]
    in_progress = [values[ok] for values in in_progress]

    profile = r.profile[rows]
    skill = o.reach.total[profile] / r.profile_size[profile]
    preferred = r.preferred[rows]
    credit = np.zeros(rows.size, dtype=np.float64)
    latest_expected = needed_by - offer.lead_time_days
    for column in r.preferred_codes.T:  # in order; the pad adds 0.0, which changes nothing
        codes = column[preferred]
        coming = np.where(o.expected[codes] <= latest_expected, IN_PROGRESS_CREDIT, 0.0)
        credit = credit + np.where(
            o.verified_until[codes] >= needed_by,
            VERIFIED_CREDIT,
            np.where(o.held_until[codes] >= needed_by, UNVERIFIED_CREDIT, coming),
        )
    size = r.preferred_size[preferred]
    certification = np.where(size > 0, credit / np.maximum(size, 1), 1.0)
    for pending in in_progress:  # in the request's order, as the reference multiplies
        certification = np.where(pending, certification * IN_PROGRESS_CREDIT, certification)
    quantity = r.quantity[rows]
    capacity = np.minimum(1.0, deliverable / quantity)
    capacity = np.where(offer.min_order_quantity > quantity, capacity * MOQ_PENALTY, capacity)
    factors: dict[str, FloatArray] = {
        "skill": skill,
        "certification": certification,
        "distance": np.exp(-distance / DISTANCE_SCALE_KM),
        "capacity": capacity,
        "time": np.minimum(1.0, np.maximum(0.0, (needed_by - start) / FULL_TIME_DAYS)),
        "reliability": np.full(rows.size, offer.track.reliability, dtype=np.float64),
    }
    weights = r.weights[r.weight[rows]]
    score = np.zeros(rows.size, dtype=np.float64)
    for k, name in enumerate(FACTORS):
        score = score + weights[:, k] * factors[name]
    score = quantise_array(np.minimum(1.0, score))

    contender = score >= floor
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
    return DemandScored(
        rows=rows[chosen],
        score=score[chosen],
        factors={name: values[chosen] for name, values in factors.items()},
        distance=distance[chosen],
        deliverable=deliverable[chosen],
        start=start[chosen],
    )


def _best(a: DemandScored | None, b: DemandScored, limit: int) -> DemandScored:
    """The best ``limit`` rows of both: score descending, then row (id) ascending."""
    if a is None:
        return b
    rows = np.concatenate((a.rows, b.rows))
    score = np.concatenate((a.score, b.score))
    chosen = np.lexsort((rows, -score))[:limit]
    return DemandScored(
        rows=rows[chosen],
        score=score[chosen],
        factors={
            name: np.concatenate((a.factors[name], b.factors[name]))[chosen] for name in a.factors
        },
        distance=np.concatenate((a.distance, b.distance))[chosen],
        deliverable=np.concatenate((a.deliverable, b.deliverable))[chosen],
        start=np.concatenate((a.start, b.start))[chosen],
    )


def _search(
    o: OfferPlan,
    r: Requests,
    f: _Filters,
    *,
    limit: int,
    min_score: float,
    after: AfterRequest | None,
    batch_rows: int,
) -> DemandScored | None:
    groups, upper = group_bounds(o, r, f.today)
    live = np.flatnonzero(upper + BOUND_SLACK >= min_score)
    ranked = live[np.argsort(-upper[live], kind="stable")]
    order, bounds = groups[ranked], upper[ranked]
    sizes = r.groups.start[order + 1] - r.groups.start[order]
    best: DemandScored | None = None
    i = 0
    while i < order.size:
        threshold = min_score
        if best is not None and best.rows.size >= limit:
            threshold = max(threshold, float(best.score[limit - 1]))
        if bounds[i] + BOUND_SLACK < threshold:
            break
        j = i + 1
        taken = int(sizes[i])
        while j < order.size and taken < batch_rows and bounds[j] + BOUND_SLACK >= threshold:
            taken += int(sizes[j])
            j += 1
        rows = _passing(o, r, r.groups.rows_of(order[i:j]), f)
        batch = _score_rows(o, r, rows, limit=limit, floor=threshold, after=after)
        best = _best(best, batch, limit)
        batch_rows = min(BATCH_GROWTH * batch_rows, MAX_BATCH_ROWS)
        i = j
    return best


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
    batch_rows: int = FIRST_BATCH_ROWS,
) -> list[DemandMatch]:
    """The best ``limit`` requests ``offer`` could serve: score descending, then request id.

    ``allowed`` is an optional extra row mask (rows superseded by newer versions),
    ``viewer`` limits to the requests that viewer may see, ``region`` to one region,
    ``exclude_organization`` leaves out that organisation's requests (an
    organisation never engages its own offer), ``after`` continues a ranking;
    ``batch_rows`` is the size of the first batch scored before the early stop is
    checked (the answer does not depend on it; tests make it small).
    """
    if limit <= 0:
        return []
    planned = _plan(
        offer,
        requests,
        taxonomy,
        today=today,
        allowed=allowed,
        viewer=viewer,
        region=region,
        exclude_organization=exclude_organization,
    )
    if planned is None:
        return []
    o, filters = planned
    found = _search(
        o, requests, filters, limit=limit, min_score=min_score, after=after, batch_rows=batch_rows
    )
    return demand_matches(o, requests, found, taxonomy, language) if found is not None else []


def _plan(
    offer: OfferRecord,
    r: Requests,
    taxonomy: TaxonomyLike,
    *,
    today: date,
    allowed: BoolArray | None,
    viewer: Viewer | None,
    region: str | None,
    exclude_organization: str | None,
) -> tuple[OfferPlan, _Filters] | None:
    """The offer worked out and the filters of a search; None when nothing can match."""
    if not len(r) or offer.available_until < today or offer.unit not in r.units:
        return None
    region_index: int | None = None
    if region is not None:
        if region not in r.regions:
            return None
        region_index = r.regions.index(region)
    organization = (
        None if exclude_organization is None else r.organizations.get(exclude_organization)
    )
    partner: int | None = None
    if viewer is not None and not viewer.sees_all:
        partner = r.partners.index(viewer.partner_id) if viewer.partner_id in r.partners else -1
    filters = _Filters(
        today=today.toordinal(),
        unit=r.units.index(offer.unit) if len(r.units) > 1 else None,
        partner=partner,
        region=region_index,
        organization=organization,
        allowed=allowed,
    )
    return prepare_offer(offer, r, taxonomy, today), filters


# Scores of one pair computed from either side agree to the 6th decimal; search from a
# little below so the pair itself is always found.
STANDING_SLACK = 1e-7


def request_standing(
    offer: OfferRecord,
    requests: Requests,
    taxonomy: TaxonomyLike,
    *,
    request_id: str,
    score: float,
    today: date,
    limit: int,
    language: str = "en",
    allowed: BoolArray | None = None,
    viewer: Viewer | None = None,
    exclude_organization: str | None = None,
) -> tuple[int, DemandMatch | None]:
    """Where (``score``, ``request_id``) stands in ``score_requests``' ranking: how many
    requests rank ahead of it (counting at most ``limit``) and, when ``request_id`` is
    among them, its match explained (its score here replacing ``score``). Reasons are
    written for that one request only (an alert shows one match with its rank)."""
    if limit <= 0:
        return 0, None
    planned = _plan(
        offer,
        requests,
        taxonomy,
        today=today,
        allowed=allowed,
        viewer=viewer,
        region=None,
        exclude_organization=exclude_organization,
    )
    if planned is None:
        return 0, None
    o, filters = planned
    found = _search(
        o,
        requests,
        filters,
        limit=limit,
        min_score=score - STANDING_SLACK,
        after=None,
        batch_rows=FIRST_BATCH_ROWS,
    )
    if found is None:
        return 0, None
    match = None
    row = requests.row_of(request_id)
    if row is not None:
        at = np.flatnonzero(found.rows == row)
        if at.size:
            one = DemandScored(
                rows=found.rows[at[:1]],
                score=found.score[at[:1]],
                factors={name: values[at[:1]] for name, values in found.factors.items()},
                distance=found.distance[at[:1]],
                deliverable=found.deliverable[at[:1]],
                start=found.start[at[:1]],
            )
            match = demand_matches(o, requests, one, taxonomy, language)[0]
            score = match.score
    higher = int((found.score > score).sum())
    tied = found.rows[(found.score == score) & (found.rows != (-1 if row is None else row))]
    return higher + sum(other < request_id for other in requests.request_ids(tied)), match
