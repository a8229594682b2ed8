"""From scored rows to the matches the API shows: rounded breakdowns and reasons."""

from __future__ import annotations

from datetime import date

from app.matching.bounds import SearchPlan
from app.matching.candidates import Candidates
from app.matching.reasons import ReasonWriter
from app.matching.scored import Scored
from app.matching.values import (
    DISTANCE_DECIMALS,
    HELD_NOW,
    IN_PROGRESS_CREDIT,
    VERIFIED_CREDIT,
    Explanation,
    FloatArray,
    IntArray,
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
        want.preferred_certifications, found.preferred, found.preferred_ready, found.rows.size
    )
    required = required_facts(want.required_certifications, found.required_ready, found.rows.size)
    minimum_orders = c.min_order_quantity[found.rows].tolist()
    offer_ids = c.offer_ids(found.rows)
    starts = [date.fromordinal(day) for day in found.start.tolist()]
    wanted = len(q.reaches)
    reasons = ReasonWriter.shared(taxonomy, language)
    matches = []
    for i, (score, deliverable) in enumerate(
        zip(found.score.tolist(), found.deliverable.tolist(), strict=True)
    ):
        held, expected, missing = certifications[i]
        facts = Explanation(
            wanted=wanted,
            fully_covered=fully[i],
            partly_covered=partly[i],
            required=want.required_certifications,
            preferred_held=held,
            preferred_missing=missing,
            required_expected=required[i],
            preferred_expected=expected,
            distance_km=distances[i],
            deliverable=deliverable,
            quantity=want.quantity,
            min_order_quantity=minimum_orders[i],
            start=starts[i],
            needed_by=want.needed_by,
            track=c.track(int(found.rows[i])),
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


Expected = tuple[tuple[str, date], ...]  # (code, expected by) of certifications in progress
_PreferredFacts = tuple[tuple[tuple[str, bool], ...], Expected, tuple[str, ...]]


def preferred_facts(
    codes: tuple[str, ...], credits: list[FloatArray], ready: list[IntArray], matches: int
) -> list[_PreferredFacts]:
    """Per match: the preferred certifications held (code, verified), those in progress
    (code, expected by) and those missing.

    Credits and dates take a few values, so most matches share one answer and each
    distinct one is worked out once.
    """
    if not codes:
        return [((), (), ())] * matches
    answers: dict[tuple[tuple[float, ...], tuple[int, ...]], _PreferredFacts] = {}
    out = []
    for key in zip(
        zip(*(values.tolist() for values in credits), strict=True),
        zip(*(values.tolist() for values in ready), strict=True),
        strict=True,
    ):
        answer = answers.get(key)
        if answer is None:
            facts = list(zip(codes, *key, strict=True))
            answer = answers[key] = (
                tuple(
                    (code, credit >= VERIFIED_CREDIT)
                    for code, credit, _ in facts
                    if credit > IN_PROGRESS_CREDIT
                ),
                tuple(
                    (code, date.fromordinal(day))
                    for code, credit, day in facts
                    if credit == IN_PROGRESS_CREDIT
                ),
                tuple(code for code, credit, _ in facts if credit == 0.0),
            )
        out.append(answer)
    return out


def required_facts(codes: tuple[str, ...], ready: list[IntArray], matches: int) -> list[Expected]:
    """Per match: the required certifications only in progress, with their expected dates."""
    if not codes:
        return [()] * matches
    return [
        tuple(
            (code, date.fromordinal(day))
            for code, day in zip(codes, days, strict=True)
            if day != HELD_NOW
        )
        for days in zip(*(values.tolist() for values in ready), strict=True)
    ]
