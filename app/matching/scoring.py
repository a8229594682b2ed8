"""Score and rank candidate offers for one request, vectorised with numpy.

Pure: (wants, candidate columns, taxonomy) -> top-k matches with a per-factor
breakdown and reasons. No I/O, no ORM, no FastAPI. The semantics are those of
``app.matching.reference`` (plain loops); tests hold the two to the same top-k.
README "Scoring" documents the factors, weights and scales.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from app.matching.model import (
    DISTANCE_DECIMALS,
    DISTANCE_SCALE_KM,
    EARTH_RADIUS_KM,
    FACTORS,
    FULL_TIME_DAYS,
    MOQ_PENALTY,
    UNVERIFIED_CREDIT,
    VERIFIED_CREDIT,
    BoolArray,
    Candidates,
    Explanation,
    FloatArray,
    IntArray,
    Match,
    TaxonomyLike,
    Want,
    quantise_array,
    resolve_weights,
)
from app.matching.reasons import build_reasons

__all__ = ["haversine_array", "score_offers"]


def haversine_array(lat: float, lon: float, lats: FloatArray, lons: FloatArray) -> FloatArray:
    """Great-circle distances in km from (lat, lon) to every (lats[i], lons[i])."""
    phi1 = np.radians(lat)
    phi2 = np.radians(lats)
    d_phi = phi2 - phi1
    d_lambda = np.radians(lons - lon)
    a = np.sin(d_phi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(d_lambda / 2) ** 2
    distances: FloatArray = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    return distances


def _certification_credit(
    candidates: Candidates, rows: IntArray, code: str, needed_by: int
) -> FloatArray:
    """Per row: the best credit among held codes that are ``code`` or more specific."""
    cols = np.array(
        [
            j
            for j, held in enumerate(candidates.cert_codes)
            if held == code or held.startswith(code + ".")
        ],
        dtype=np.int64,
    )
    if not cols.size:
        return np.zeros(rows.size, dtype=np.float64)
    valid = candidates.cert_valid_until[np.ix_(rows, cols)] >= needed_by
    verified = candidates.cert_verified[np.ix_(rows, cols)]
    credit = np.where(valid, np.where(verified, VERIFIED_CREDIT, UNVERIFIED_CREDIT), 0.0)
    best: FloatArray = credit.max(axis=1)
    return best


def _coverage(
    want: Want, candidates: Candidates, rows: IntArray, taxonomy: TaxonomyLike
) -> FloatArray:
    """(rows, wanted codes): the best similarity any offered code gives each wanted code.

    Similarities are computed once per distinct offered code, then reduced over
    the offer x code incidence.
    """
    wanted = want.wanted
    best = np.zeros((rows.size, len(wanted)), dtype=np.float64)
    incidence = candidates.code_incidence[rows]
    for k, (wanted_kind, code) in enumerate(wanted):
        similarity = np.array(
            [
                taxonomy.cross_similarity(
                    code, offered, wanted_kind=wanted_kind, offered_kind=offered_kind
                )
                for offered_kind, offered in candidates.codes
            ],
            dtype=np.float64,
        ).reshape(len(candidates.codes))
        cols = np.flatnonzero(similarity > 0.0)
        if cols.size and rows.size:
            best[:, k] = np.where(incidence[:, cols], similarity[cols], 0.0).max(axis=1)
    return best


def score_offers(
    want: Want,
    candidates: Candidates,
    taxonomy: TaxonomyLike,
    *,
    limit: int,
    min_score: float = 0.0,
    language: str = "en",
    allowed: BoolArray | None = None,
) -> list[Match]:
    """The best ``limit`` candidates for ``want``: score descending, then offer id ascending.

    ``allowed`` is an optional extra mask from the caller (e.g. per-caller visibility
    when ``candidates`` are shared). Raises ``ValueError`` for invalid weight overrides.
    """
    weights = resolve_weights(want.weights)
    if limit <= 0 or len(candidates) == 0:
        return []
    c = candidates
    today = want.today.toordinal()
    needed_by = want.needed_by.toordinal()

    # Hard filters, cheapest first; everything after works on the surviving rows.
    keep = c.active & c.visible & (c.available_until >= today)
    if allowed is not None:
        keep &= allowed
    rows = np.flatnonzero(keep)
    for code in want.required_certifications:
        rows = rows[_certification_credit(c, rows, code, needed_by) > 0.0]
    distance = haversine_array(want.lat, want.lon, c.lat[rows], c.lon[rows])
    near = ~(c.service_radius_km[rows] < distance)  # NaN radius: unlimited
    if want.max_distance_km is not None:
        near &= distance <= want.max_distance_km
    rows, distance = rows[near], distance[near]

    start = np.maximum(c.available_from[rows], today + c.lead_time_days[rows])
    end = np.minimum(c.available_until[rows], needed_by)
    per_week = c.per_week[rows]
    window_days = c.available_until[rows] - c.available_from[rows] + 1
    total = np.where(
        c.capacity_total[rows] >= 0,
        c.capacity_total[rows],
        np.maximum(0, per_week * window_days // 7),
    )
    in_time = per_week * np.maximum(0, end - start + 1) // 7
    deliverable = np.maximum(0, np.minimum(total, in_time) - c.reserved[rows])
    best = _coverage(want, c, rows, taxonomy)
    ok = (deliverable > 0) & (best.max(axis=1, initial=0.0) > 0.0)
    rows, distance, start, deliverable, best = (
        rows[ok],
        distance[ok],
        start[ok],
        deliverable[ok],
        best[ok],
    )

    # Factors, summed in the same order as the reference so the floats agree exactly.
    covered = np.zeros(rows.size, dtype=np.float64)
    for k in range(best.shape[1]):
        covered = covered + best[:, k]
    skill = covered / best.shape[1]

    preferred = [
        _certification_credit(c, rows, code, needed_by) for code in want.preferred_certifications
    ]
    certification = np.ones(rows.size, dtype=np.float64)
    if preferred:
        credit = np.zeros(rows.size, dtype=np.float64)
        for values in preferred:
            credit = credit + values
        certification = credit / len(preferred)

    proximity = np.exp(-distance / DISTANCE_SCALE_KM)

    moq = c.min_order_quantity[rows]
    capacity = np.minimum(1.0, deliverable / want.quantity)
    capacity = np.where(moq > want.quantity, capacity * MOQ_PENALTY, capacity)

    time = np.minimum(1.0, np.maximum(0.0, (needed_by - start) / FULL_TIME_DAYS))

    factors: dict[str, FloatArray] = {
        "skill": skill,
        "certification": certification,
        "distance": proximity,
        "capacity": capacity,
        "time": time,
    }
    score = np.zeros(rows.size, dtype=np.float64)
    for name in FACTORS:
        score = score + weights[name] * factors[name]
    score = quantise_array(np.minimum(1.0, score))

    chosen = np.flatnonzero(score >= min_score)
    if chosen.size > limit:
        # Only rows scoring at least the limit-th best can make the cut (ties included).
        threshold = np.partition(score[chosen], chosen.size - limit)[chosen.size - limit]
        chosen = chosen[score[chosen] >= threshold]
    order = chosen[np.lexsort((c.id_rank[rows[chosen]], -score[chosen]))][:limit]

    breakdown = {name: quantise_array(values) for name, values in factors.items()}
    distance_km = quantise_array(distance, DISTANCE_DECIMALS)
    matches = []
    for i in order.tolist():
        facts = Explanation(
            wanted=best.shape[1],
            fully_covered=int((best[i] >= 1.0).sum()),
            partly_covered=int(((best[i] > 0.0) & (best[i] < 1.0)).sum()),
            required=want.required_certifications,
            preferred_held=tuple(
                (code, bool(values[i] >= VERIFIED_CREDIT))
                for code, values in zip(want.preferred_certifications, preferred, strict=True)
                if values[i] > 0.0
            ),
            preferred_missing=tuple(
                code
                for code, values in zip(want.preferred_certifications, preferred, strict=True)
                if values[i] == 0.0
            ),
            distance_km=float(distance_km[i]),
            deliverable=int(deliverable[i]),
            quantity=want.quantity,
            min_order_quantity=int(moq[i]),
            start=date.fromordinal(int(start[i])),
            needed_by=want.needed_by,
        )
        matches.append(
            Match(
                offer_id=c.ids[int(rows[i])],
                score=float(score[i]),
                breakdown={name: float(values[i]) for name, values in breakdown.items()},
                distance_km=float(distance_km[i]),
                deliverable_quantity=int(deliverable[i]),
                reasons=build_reasons(facts, taxonomy, language),
            )
        )
    return matches
