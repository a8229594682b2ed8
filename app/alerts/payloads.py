"""An alert's ``data.object``: the match exactly as the matches endpoints show it.

``match.found``: ``{"request_id" | "saved_search_id", "offer_id", "match"}`` where
``match`` is the offer's entry of ``GET /v1/requests/{id}/matches`` (or of the saved
search's matches), rank included. ``demand.found``: ``{"offer_id", "request", "match"}``
with the request as ``GET /v1/requests/{id}`` shows it and ``match`` the request's entry
of ``GET /v1/offers/{id}/matches``. The rank is the pair's place in that ranking now:
the same index search as the endpoint, from the pair's score on.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.subjects import MATCH_FOUND, Candidate
from app.matching import repository as matching_repository
from app.matching.feed import MatchFeed
from app.matching.schemas import (
    Breakdown,
    MatchedOffer,
    MatchedRequest,
    OfferMatch,
    OrganizationRef,
    RequestMatch,
)
from app.matching.values import TaxonomyLike, Viewer
from app.requests.schemas import RequestOut

RANK_SCAN = 10_000  # matches at or above the pair's score looked through for its rank
# Below the rounding of scores (6 decimals): the pair's own score is always included.
_EPSILON = 1e-7


def _scores(match: Any, rank: int) -> dict[str, Any]:
    return {
        "score": match.score,
        "rank": rank,
        "breakdown": Breakdown(**match.breakdown),
        "distance_km": match.distance_km,
        "deliverable_quantity": match.deliverable_quantity,
        "reasons": match.reasons,
    }


async def payload(
    session: AsyncSession,
    feed: MatchFeed,
    candidate: Candidate,
    taxonomy: TaxonomyLike,
    on: date,
) -> dict[str, Any] | None:
    """The alert's object, or None when the pair no longer ranks (changed meanwhile)."""
    if candidate.type == MATCH_FOUND:
        return await _match_found(session, feed, candidate, taxonomy, on)
    return await _demand_found(session, feed, candidate, taxonomy, on)


async def _match_found(
    session: AsyncSession, feed: MatchFeed, candidate: Candidate, taxonomy: TaxonomyLike, on: date
) -> dict[str, Any] | None:
    subject, offer = candidate.subject, candidate.offer
    index = feed.index
    if index is None:
        return None
    own = await matching_repository.offer_ids_of(session, subject.organization_id, on=on)
    ranked = await asyncio.to_thread(
        index.search,
        subject.want,
        taxonomy,
        limit=RANK_SCAN,
        min_score=max(0.0, candidate.score - _EPSILON),
        viewer=subject.viewer,
        excluded=own,
    )
    found = next(
        ((rank, match) for rank, match in enumerate(ranked, 1) if match.offer_id == offer.id),
        None,
    )
    card = (await matching_repository.offer_cards(session, [offer.id])).get(offer.id)
    if found is None or card is None:
        return None
    rank, match = found
    entry = OfferMatch(
        offer=MatchedOffer(
            id=card.id,
            title=card.title,
            region=card.region,
            organization=OrganizationRef(id=card.organization_id, name=card.organization_name),
        ),
        **_scores(match, rank),
    )
    return {
        subject.key: subject.id,
        "offer_id": offer.id,
        "match": entry.model_dump(mode="json"),
    }


async def _demand_found(
    session: AsyncSession, feed: MatchFeed, candidate: Candidate, taxonomy: TaxonomyLike, on: date
) -> dict[str, Any] | None:
    subject, offer = candidate.subject, candidate.offer
    index = feed.demand.index
    if index is None:
        return None
    ranked = await asyncio.to_thread(
        index.search,
        offer,
        taxonomy,
        today=on,
        limit=RANK_SCAN,
        min_score=max(0.0, candidate.score - _EPSILON),
        viewer=Viewer(partner_id=offer.partner_id),
        exclude_organization=offer.organization_id,
    )
    found = next(
        ((rank, match) for rank, match in enumerate(ranked, 1) if match.request_id == subject.id),
        None,
    )
    card = (await matching_repository.request_cards(session, [subject.id])).get(subject.id)
    if found is None or card is None:
        return None
    rank, match = found
    entry = RequestMatch(
        request=MatchedRequest(
            id=card.id,
            title=card.title,
            region=card.region,
            organization=OrganizationRef(id=card.organization_id, name=card.organization_name),
        ),
        **_scores(match, rank),
    )
    return {
        "offer_id": offer.id,
        "request": RequestOut.of(subject.row, on=on).model_dump(mode="json"),
        "match": entry.model_dump(mode="json"),
    }
