"""The reference ranking of requests for an offer: every pair through the reference scorer.

It defines what ``GET /v1/offers/{id}/matches`` means; ``app.matching.demand_scoring``
must rank exactly the same (tests compare both on random data). It is the tests'
oracle only, on no request path: it scores one request at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from app.matching.demand import AfterRequest, DemandMatch, RequestRecord
from app.matching.reference import reference_score_offers
from app.matching.values import OfferRecord, TaxonomyLike, Viewer


def reference_score_requests(
    offer: OfferRecord,
    requests: Sequence[RequestRecord],
    taxonomy: TaxonomyLike,
    *,
    today: date,
    limit: int,
    min_score: float = 0.0,
    language: str = "en",
    viewer: Viewer | None = None,
    region: str | None = None,
    exclude_organization: str | None = None,
    after: AfterRequest | None = None,
) -> list[DemandMatch]:
    """The best ``limit`` requests ``offer`` could serve: score descending, then request id.

    Only requests ``viewer`` may see, in ``region`` when given, not of
    ``exclude_organization`` (an organisation never engages its own offer), needed
    today or later, ranked after ``after``. Each pair is scored as the offer
    direction scores it, with the request's own weights.
    """
    ranked: list[DemandMatch] = []
    for request in requests:
        if not request.visible_to(viewer) or (region is not None and request.region != region):
            continue
        if exclude_organization is not None and request.organization_id == exclude_organization:
            continue
        if request.needed_by < today:
            continue
        found = reference_score_offers(
            request.want(today),
            [offer],
            taxonomy,
            limit=1,
            min_score=min_score,
            language=language,
        )
        if not found:
            continue
        match = found[0]
        if after is not None and (-match.score, request.id) <= (-after.score, after.request_id):
            continue
        ranked.append(
            DemandMatch(
                request_id=request.id,
                score=match.score,
                breakdown=match.breakdown,
                distance_km=match.distance_km,
                deliverable_quantity=match.deliverable_quantity,
                reasons=match.reasons,
            )
        )
    ranked.sort(key=lambda match: (-match.score, match.request_id))
    return ranked[: max(0, limit)]
