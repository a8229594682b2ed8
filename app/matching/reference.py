"""The reference scorer: one offer at a time, plain loops, written to be read.

It defines what matching means; ``app.matching.scoring`` must rank exactly the same
(tests compare both on random data). Keep it simple rather than fast.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from app.matching.fit import (
    Fit,
    assess_fit,
    certification_credit,
    certification_expected,
    certification_factor,
    earliest_start,
    required_in_progress,
)
from app.matching.reasons import build_reasons
from app.matching.values import (
    DISTANCE_DECIMALS,
    DISTANCE_SCALE_KM,
    FACTORS,
    FULL_TIME_DAYS,
    IN_PROGRESS_CREDIT,
    MOQ_PENALTY,
    VERIFIED_CREDIT,
    After,
    Explanation,
    Match,
    OfferRecord,
    TaxonomyLike,
    Viewer,
    Want,
    quantise,
    resolve_weights,
)


@dataclass(frozen=True, slots=True)
class _Scored:
    score: float
    breakdown: dict[str, float]
    distance_km: float
    deliverable: int
    best: tuple[float, ...]  # per wanted code


def _score_one(
    want: Want, offer: OfferRecord, taxonomy: TaxonomyLike, weights: dict[str, float]
) -> _Scored | None:
    """The offer's score, or None when a hard filter rejects it (``fit``: one definition)."""
    verdict = assess_fit(want, offer, taxonomy)
    if not isinstance(verdict, Fit):
        return None
    distance, best, deliverable = verdict.distance_km, verdict.coverage, verdict.deliverable

    total = 0.0
    for value in best:
        total += value
    skill = total / len(best)

    certification = certification_factor(want, offer)

    proximity = math.exp(-distance / DISTANCE_SCALE_KM)

    capacity = min(1.0, deliverable / want.quantity)
    if offer.min_order_quantity > want.quantity:
        capacity = capacity * MOQ_PENALTY

    slack_days = (want.needed_by - earliest_start(offer, want)).days
    time = min(1.0, max(0.0, slack_days / FULL_TIME_DAYS))

    factors = {
        "skill": skill,
        "certification": certification,
        "distance": proximity,
        "capacity": capacity,
        "time": time,
        "reliability": offer.track.reliability,
    }
    score = 0.0
    for name in FACTORS:
        score += weights[name] * factors[name]
    return _Scored(
        score=quantise(min(1.0, score)),
        breakdown={name: quantise(factors[name]) for name in FACTORS},
        distance_km=quantise(distance, DISTANCE_DECIMALS),
        deliverable=deliverable,
        best=best,
    )


def explain(want: Want, offer: OfferRecord, scored: _Scored) -> Explanation:
    held = [
        (code, certification_credit(code, offer, want.needed_by))
        for code in want.preferred_certifications
    ]
    expected = {code: certification_expected(code, offer, want.needed_by) for code, _ in held}
    return Explanation(
        wanted=len(scored.best),
        fully_covered=sum(1 for value in scored.best if value >= 1.0),
        partly_covered=sum(1 for value in scored.best if 0.0 < value < 1.0),
        required=want.required_certifications,
        preferred_held=tuple(
            (code, credit >= VERIFIED_CREDIT)
            for code, credit in held
            if credit > IN_PROGRESS_CREDIT
        ),
        preferred_missing=tuple(code for code, credit in held if not credit),
        required_expected=required_in_progress(want, offer),
        preferred_expected=tuple(
            (code, day)
            for code, credit in held
            if credit == IN_PROGRESS_CREDIT and (day := expected[code]) is not None
        ),
        distance_km=scored.distance_km,
        deliverable=scored.deliverable,
        quantity=want.quantity,
        min_order_quantity=offer.min_order_quantity,
        start=earliest_start(offer, want),
        needed_by=want.needed_by,
        track=offer.track,
    )


def reference_score_offers(
    want: Want,
    offers: Sequence[OfferRecord],
    taxonomy: TaxonomyLike,
    *,
    limit: int,
    min_score: float = 0.0,
    language: str = "en",
    viewer: Viewer | None = None,
    region: str | None = None,
    after: After | None = None,
) -> list[Match]:
    """The best ``limit`` offers for ``want``: score descending, then offer id ascending.

    Only offers ``viewer`` may see, in ``region`` when given, ranked after ``after``.
    """
    weights = resolve_weights(want.weights)
    scored: list[tuple[OfferRecord, _Scored]] = []
    for offer in offers:
        if not offer.visible_to(viewer) or (region is not None and offer.region != region):
            continue
        result = _score_one(want, offer, taxonomy, weights)
        if result is None or result.score < min_score:
            continue
        if after is not None and (-result.score, offer.id) <= (-after.score, after.offer_id):
            continue
        scored.append((offer, result))
    scored.sort(key=lambda pair: (-pair[1].score, pair[0].id))
    return [
        Match(
            offer_id=offer.id,
            score=result.score,
            breakdown=result.breakdown,
            distance_km=result.distance_km,
            deliverable_quantity=result.deliverable,
            reasons=build_reasons(explain(want, offer, result), taxonomy, language),
        )
        for offer, result in scored[: max(0, limit)]
    ]
