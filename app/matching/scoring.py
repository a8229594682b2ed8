"""Score and rank candidate offers for one request, vectorised with numpy.

Pure: (wants, candidate columns, taxonomy) -> top-k matches with a per-factor
breakdown and reasons. No I/O, no ORM, no FastAPI. The semantics are those of
``app.matching.reference`` (plain loops); tests hold the two to the same top-k.
README "Scoring" documents the factors, weights and scales.

Speed comes from not looking at most offers: candidates are grouped by family and
place (``Leaves``); each group gets an upper bound of the score any member can
reach (best similarity among its codes, nearest corner, largest capacity, earliest
start). Groups are scored best bound first, and the search stops as soon as the
next group's bound is below the k-th best score found: the answer is exact.
"""

from __future__ import annotations

import numpy as np

from app.geo.distance import haversine_km_array
from app.matching.bounds import SearchPlan, group_bounds, prepare
from app.matching.candidates import Candidates, window_total
from app.matching.results import matches
from app.matching.scored import Scored, concat, nothing, select, top
from app.matching.values import (
    DISTANCE_SCALE_KM,
    FACTORS,
    FULL_TIME_DAYS,
    HELD_NOW,
    IN_PROGRESS_CREDIT,
    MOQ_PENALTY,
    UNVERIFIED_CREDIT,
    VERIFIED_CREDIT,
    After,
    BoolArray,
    FloatArray,
    IntArray,
    Match,
    TaxonomyLike,
    Viewer,
    Want,
    quantise_array,
    resolve_weights,
)

__all__ = ["score_offers", "standing"]

FIRST_BATCH_ROWS = 1024  # rows scored before the stopping bound is first checked; each
BATCH_GROWTH = 4  # later step takes this many times as many (a batch has a fixed cost),
MAX_BATCH_ROWS = 16384  # up to this (bench/README.md)
# Bounds are raw sums, scores are rounded half up to 6 decimals: a member may score up to
# half a unit of the 6th decimal above its group's bound, so compare with that much room
# (1e-9 lost ties across groups: a member whose raw score was just below the k-th best
# rounded up to it, with a smaller id, and was never scored).
BOUND_SLACK = 1e-6


NEVER = np.iinfo(np.int64).max  # expected-by ordinal: the certification does not count


def _certification(
    q: SearchPlan, c: Candidates, rows: IntArray, columns: IntArray
) -> tuple[FloatArray, IntArray]:
    """Per row, for one wanted certification (its matching ``columns``): the best credit
    among the organisation's certifications that serve it for needed_by, and from when it
    has one (``HELD_NOW`` when held, the earliest in-time expected date when only in
    progress, ``NEVER`` when neither); ``fit.certification_credit`` and ``_expected``."""
    best = np.zeros(rows.size, dtype=np.float64)
    ready = np.full(rows.size, NEVER, dtype=np.int64)
    if not columns.size:
        return best, ready
    profiles = c.cert_profile[rows]
    latest_expected = q.needed_by - c.lead_time_days[rows].astype(np.int64)
    for column in columns.tolist():  # usually one: a code without narrower codes held
        valid = c.cert_valid_until[profiles, column] >= q.needed_by  # NOT_HELD is below
        expected = c.cert_expected_by[profiles, column]
        held = valid & (expected == HELD_NOW)
        coming = valid & (expected != HELD_NOW) & (expected <= latest_expected)
        credit = np.where(c.cert_verified[profiles, column], VERIFIED_CREDIT, UNVERIFIED_CREDIT)
        credit = np.where(held, credit, np.where(coming, IN_PROGRESS_CREDIT, 0.0))
        best = np.maximum(best, credit)
        ready = np.minimum(ready, np.where(held | coming, expected, NEVER))
    return best, ready


def _coverage(q: SearchPlan, c: Candidates, rows: IntArray) -> list[FloatArray]:
    """Per wanted code: the best similarity any code of each row's offer gives."""
    profiles = c.profile[rows]
    return [reach.profiles[profiles] for reach in q.reaches]


def _score_rows(
    q: SearchPlan,
    c: Candidates,
    rows: IntArray,
    *,
    allowed: BoolArray | None,
    after: After | None,
    limit: int,
    floor: float,
) -> Scored:
    """The best ``limit`` of ``rows`` that pass every hard filter and score >= ``floor``."""
    want = q.want
    keep = c.available_until[rows] >= q.today  # the index holds only active offers
    if len(c.units) > 1:  # _prepare checked that the one unit there is, is the one wanted
        keep &= c.unit[rows] == q.unit
    if q.partner is not None:
        keep &= c.shared[rows] | (c.partner[rows] == q.partner)
    if q.region is not None:
        keep &= c.region[rows] == q.region
    if allowed is not None:
        keep &= allowed[rows]
    rows = rows[keep]
    # Required certifications: each held, or in progress and expected in time; production
    # counts from the latest expected date on, and each one in progress costs credit.
    required_ready: list[IntArray] = []
    for columns in q.required:
        ready = _certification(q, c, rows, columns)[1]
        ok = np.flatnonzero(ready != NEVER)
        rows = rows[ok]
        required_ready = [values[ok] for values in required_ready] + [ready[ok]]
    # Cheap per-row tests before the trigonometry.
    available_from = c.available_from[rows]
    available_until = c.available_until[rows]
    per_week = c.per_week[rows].astype(np.int64)  # x days: 64 bits
    start = np.maximum(available_from, np.int64(q.today) + c.lead_time_days[rows])
    for ready in required_ready:
        start = np.maximum(start, ready)  # HELD_NOW (held) is before any start
    end = np.minimum(available_until, q.needed_by)
    total = window_total(per_week, c.capacity_total[rows], available_from, available_until)
    in_time = per_week * np.maximum(0, end - start + 1) // 7
    deliverable = np.maximum(0, np.minimum(total, in_time) - c.reserved[rows])
    best = _coverage(q, c, rows)  # per wanted code
    covered = np.zeros(rows.size, dtype=np.float64)
    for values in best:  # summed in the reference's order so the floats agree exactly
        covered = covered + values
    ok = np.flatnonzero((deliverable > 0) & (covered > 0.0))
    rows, start, deliverable, covered = rows[ok], start[ok], deliverable[ok], covered[ok]
    best = [values[ok] for values in best]
    required_ready = [values[ok] for values in required_ready]

    distance = haversine_km_array(want.lat, want.lon, c.lat[rows], c.lon[rows])
    near = ~(c.service_radius_km[rows] < distance)  # NaN radius: unlimited
    if want.max_distance_km is not None:
        near &= distance <= want.max_distance_km
    ok = np.flatnonzero(near)
    rows, distance, start, deliverable, covered = (
        rows[ok],
        distance[ok],
        start[ok],
        deliverable[ok],
        covered[ok],
    )
    best = [values[ok] for values in best]
    required_ready = [values[ok] for values in required_ready]
    skill = covered / len(best)

    preferred_states = [_certification(q, c, rows, columns) for columns in q.preferred]
    preferred = [credit for credit, _ in preferred_states]
    certification = np.ones(rows.size, dtype=np.float64)
    if preferred:
        credit = np.zeros(rows.size, dtype=np.float64)
        for values in preferred:
            credit = credit + values
        certification = credit / len(preferred)
    for ready in required_ready:  # in the reference's order so the floats agree
        certification = np.where(
            ready != HELD_NOW, certification * IN_PROGRESS_CREDIT, certification
        )

    proximity = np.exp(-distance / DISTANCE_SCALE_KM)
    capacity = np.minimum(1.0, deliverable / want.quantity)
    capacity = np.where(
        c.min_order_quantity[rows] > want.quantity, capacity * MOQ_PENALTY, capacity
    )
    time = np.minimum(1.0, np.maximum(0.0, (q.needed_by - start) / FULL_TIME_DAYS))

    factors: dict[str, FloatArray] = {
        "skill": skill,
        "certification": certification,
        "distance": proximity,
        "capacity": capacity,
        "time": time,
        "reliability": c.reliability[c.cert_profile[rows]],
    }
    score = np.zeros(rows.size, dtype=np.float64)
    for name in FACTORS:
        score = score + q.weights[name] * factors[name]
    score = quantise_array(np.minimum(1.0, score))
    contender = score >= floor
    if after is not None:
        contender &= (score < after.score) | (
            (score == after.score) & c.ids_after(rows, after.offer_id)
        )
    chosen = np.flatnonzero(contender)
    if chosen.size > limit:
        # Only the best ``limit`` can make the page: keep every row scoring at least
        # the limit-th best score (ties included) before ordering.
        cut = np.partition(score[chosen], chosen.size - limit)[chosen.size - limit]
        chosen = chosen[score[chosen] >= cut]
    chosen = chosen[np.lexsort((rows[chosen], -score[chosen]))][:limit]
    return Scored(
        rows=rows[chosen],
        score=score[chosen],
        factors={name: values[chosen] for name, values in factors.items()},
        distance=distance[chosen],
        start=start[chosen],
        deliverable=deliverable[chosen],
        best=np.column_stack([values[chosen] for values in best]),
        preferred=[values[chosen] for values in preferred],
        required_ready=[values[chosen] for values in required_ready],
        preferred_ready=[ready[chosen] for _, ready in preferred_states],
    )


def _groups_rows(c: Candidates, groups: IntArray) -> IntArray:
    leaves = c.leaves
    starts = leaves.start[groups]
    lengths = leaves.start[groups + 1] - starts
    heads = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    rows: IntArray = leaves.rows[np.repeat(starts - heads, lengths) + np.arange(int(lengths.sum()))]
    return rows


def _search(
    q: SearchPlan,
    c: Candidates,
    *,
    limit: int,
    min_score: float,
    allowed: BoolArray | None,
    after: After | None,
    batch_rows: int,
) -> Scored:
    groups, upper = group_bounds(q, c)
    live = np.flatnonzero(upper + BOUND_SLACK >= min_score)
    ranked = live[np.argsort(-upper[live], kind="stable")]
    order, bounds = groups[ranked], upper[ranked]
    sizes = c.leaves.start[order + 1] - c.leaves.start[order]
    best: Scored | None = None
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
        batch = _score_rows(
            q,
            c,
            _groups_rows(c, order[i:j]),
            allowed=allowed,
            after=after,
            limit=limit,
            floor=threshold,
        )
        best = batch if best is None else top(concat(best, batch), limit)
        batch_rows = min(BATCH_GROWTH * batch_rows, MAX_BATCH_ROWS)
        i = j
    return best if best is not None else nothing(len(q.reaches), len(q.preferred), len(q.required))


def score_offers(
    want: Want,
    candidates: Candidates,
    taxonomy: TaxonomyLike,
    *,
    limit: int,
    min_score: float = 0.0,
    language: str = "en",
    allowed: BoolArray | None = None,
    viewer: Viewer | None = None,
    region: str | None = None,
    after: After | None = None,
    batch_rows: int = FIRST_BATCH_ROWS,
) -> list[Match]:
    """The best ``limit`` candidates for ``want``: score descending, then offer id ascending.

    ``allowed`` is an optional extra row mask (e.g. rows superseded by newer versions),
    ``viewer`` limits to the offers that viewer may see, ``region`` to one region,
    ``after`` continues a ranking after a given match; ``batch_rows`` is the size of
    the first batch scored before the early stop is checked (the answer does not
    depend on it; tests make it small to exercise the stop). Raises ``ValueError`` for
    invalid weight overrides.
    """
    resolve_weights(want.weights)
    if limit <= 0 or len(candidates) == 0:
        return []
    q = prepare(want, candidates, taxonomy, viewer, region)
    if q is None:
        return []
    found = _search(
        q,
        candidates,
        limit=limit,
        min_score=min_score,
        allowed=allowed,
        after=after,
        batch_rows=batch_rows,
    )
    return matches(q, candidates, found, taxonomy, language)


# Scores of one pair computed from either side agree to the 6th decimal; search from a
# little below so the pair itself is always found.
STANDING_SLACK = 1e-7


def standing(
    want: Want,
    candidates: Candidates,
    taxonomy: TaxonomyLike,
    *,
    offer_id: str,
    score: float,
    limit: int,
    language: str = "en",
    allowed: BoolArray | None = None,
    viewer: Viewer | None = None,
) -> tuple[int, Match | None]:
    """Where (``score``, ``offer_id``) stands in ``score_offers``' ranking: how many of the
    candidates rank ahead of it (counting at most ``limit``) and, when ``offer_id`` is
    among them, its match explained, the score it has here replacing ``score``.

    An offer's place in a request's ranking without explaining the others (an alert
    shows one match with its rank): the same search, reasons only for the one row.
    """
    resolve_weights(want.weights)
    if limit <= 0 or len(candidates) == 0:
        return 0, None
    q = prepare(want, candidates, taxonomy, viewer, None)
    if q is None:
        return 0, None
    found = _search(
        q,
        candidates,
        limit=limit,
        min_score=score - STANDING_SLACK,
        allowed=allowed,
        after=None,
        batch_rows=FIRST_BATCH_ROWS,
    )
    match = None
    row = candidates.row_of(offer_id)
    if row is not None:
        at = np.flatnonzero(found.rows == row)
        if at.size:
            match = matches(q, candidates, select(found, at[:1]), taxonomy, language)[0]
            score = match.score
    higher = int((found.score > score).sum())
    tied = found.rows[(found.score == score) & (found.rows != (-1 if row is None else row))]
    return higher + sum(other < offer_id for other in candidates.offer_ids(tied)), match
