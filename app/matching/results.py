"""From scored rows to the matches the API shows: rounded breakdowns and reasons."""

from __future__ import annotations

from datetime import date

from app.matching.bounds import SearchPlan
from app.matching.candidates import Candidates
from app.matching.reasons import ReasonWriter
from app.matching.scored import Scored
from app.matching.values import (
    DISTANCE_DECIMALS,
    VERIFIED_CREDIT,
    Explanation,
    FloatArray,
    Match,
    TaxonomyLike,
    quantise_array,
)


def matches(
    q: SearchPlan, c: Candidates, found: Scored, taxonomy: TaxonomyLike, language: str
) -> list[Match]:
    """The ``found`` rows as matches, best first, with reasons in ``language``."""
    # Plain lists from here on: indexing numpy scalars one by one costs more than
    # the whole vectorised search at small N.
    want = q.want
    names = tuple(found.factors)
    breakdowns = [
        dict(zip(names, values, strict=True))
        for values in zip(
            *(quantise_array(v).tolist() for v in found.factors.values()), strict=True
        )
    ]
    distances = quantise_array(found.distance, DISTANCE_DECIMALS).tolist()
    fully = (found.best >= 1.0).sum(axis=1).tolist()
    partly = ((found.best > 0.0) & (found.best < 1.0)).sum(axis=1).tolist()
    certifications = preferred_facts(
        want.preferred_certifications, found.preferred, found.rows.size
    )
    minimum_orders = c.min_order_quantity[found.rows].tolist()
    offer_ids = c.offer_ids(found.rows)
    starts = [date.fromordinal(day) for day in found.start.tolist()]
    wanted = len(q.reaches)
    reasons = ReasonWriter.shared(taxonomy, language)
    matches = []
    for i, (score, deliverable) in enumerate(
        zip(found.score.tolist(), found.deliverable.tolist(), strict=True)
    ):
        held, missing = certifications[i]
        facts = Explanation(
            wanted=wanted,
            fully_covered=fully[i],
            partly_covered=partly[i],
            required=want.required_certifications,
            preferred_held=held,
            preferred_missing=missing,
            distance_km=distances[i],
            deliverable=deliverable,
            quantity=want.quantity,
            min_order_quantity=minimum_orders[i],
            start=starts[i],
            needed_by=want.needed_by,
        )
        matches.append(
            Match(
                offer_id=offer_ids[i],
                score=score,
                breakdown=breakdowns[i],
                distance_km=distances[i],
                deliverable_quantity=deliverable,
                reasons=reasons(facts),
            )
        )
    return matches


def preferred_facts(
    codes: tuple[str, ...], credits: list[FloatArray], matches: int
) -> list[tuple[tuple[tuple[str, bool], ...], tuple[str, ...]]]:
    """Per match: the preferred certifications held (code, verified) and those missing.

    Credits take a few values (0, unverified, verified), so most matches share one
    answer and each distinct one is worked out once.
    """
    if not codes:
        return [((), ())] * matches
    answers: dict[tuple[float, ...], tuple[tuple[tuple[str, bool], ...], tuple[str, ...]]] = {}
    out = []
    for row in zip(*(values.tolist() for values in credits), strict=True):
        answer = answers.get(row)
        if answer is None:
            pairs = list(zip(codes, row, strict=True))
            answer = answers[row] = (
                tuple((code, credit >= VERIFIED_CREDIT) for code, credit in pairs if credit > 0.0),
                tuple(code for code, credit in pairs if credit == 0.0),
            )
        out.append(answer)
    return out
