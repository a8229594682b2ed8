"""From scored requests to the matches the API shows: rounded breakdowns and reasons."""

from __future__ import annotations

from datetime import date

from app.matching.demand import DemandMatch
from app.matching.demand_columns import Requests
from app.matching.demand_plan import DemandScored, OfferPlan
from app.matching.reasons import ReasonWriter
from app.matching.values import (
    DISTANCE_DECIMALS,
    IN_PROGRESS_CREDIT,
    UNVERIFIED_CREDIT,
    VERIFIED_CREDIT,
    Explanation,
    TaxonomyLike,
    quantise_array,
)


def _credit(o: OfferPlan, code: int, needed_by: int) -> float:
    if o.verified_until[code] >= needed_by:
        return VERIFIED_CREDIT
    if o.held_until[code] >= needed_by:
        return UNVERIFIED_CREDIT
    in_time = o.expected[code] + o.record.lead_time_days <= needed_by
    return IN_PROGRESS_CREDIT if in_time else 0.0


def _required_expected(
    o: OfferPlan, r: Requests, row: int, needed_by: int
) -> tuple[tuple[str, date], ...]:
    """The row's required certifications met only by one in progress, with its date."""
    names = r.requirements[int(r.required[row])]
    codes = r.required_codes[int(r.required[row])].tolist()
    return tuple(
        (name, date.fromordinal(int(o.expected[j])))
        for name, j in zip(names, codes, strict=False)
        if o.held_until[j] < needed_by
    )


def demand_matches(
    o: OfferPlan, r: Requests, found: DemandScored, taxonomy: TaxonomyLike, language: str
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
    starts = found.start.tolist()
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
            (code, _credit(o, int(j), needed_by), int(j))
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
                (code, credit >= VERIFIED_CREDIT)
                for code, credit, _ in credits
                if credit > IN_PROGRESS_CREDIT
            ),
            preferred_missing=tuple(code for code, credit, _ in credits if not credit),
            required_expected=_required_expected(o, r, row, needed_by),
            preferred_expected=tuple(
                (code, date.fromordinal(int(o.expected[j])))
                for code, credit, j in credits
                if credit == IN_PROGRESS_CREDIT
            ),
            distance_km=distances[i],
            deliverable=deliverable,
            quantity=int(r.quantity[row]),
            min_order_quantity=o.record.min_order_quantity,
            start=date.fromordinal(starts[i]),
            needed_by=date.fromordinal(needed_by),
            track=o.record.track,
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
