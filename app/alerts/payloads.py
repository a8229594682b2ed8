"""An alert's ``data.object``: the match exactly as the matches endpoints show it.

``match.found``: ``{"request_id" | "saved_search_id", "offer_id", "match"}`` where
``match`` is the offer's entry of ``GET /v1/requests/{id}/matches`` (or of the saved
search's matches), rank included. ``demand.found``: ``{"offer_id", "request", "match"}``
with the request as ``GET /v1/requests/{id}`` shows it and ``match`` the request's entry
of ``GET /v1/offers/{id}/matches``. The rank is the pair's place in that ranking now:
the same index search as the endpoint (``standing``: from the pair's score on, reasons
written for the pair only).
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.subjects import MATCH_FOUND, Candidate
from app.matching import repository as matching_repository
from app.matching.feed import MatchFeed
from app.matching.service import offer_entry, request_entry
from app.matching.values import TaxonomyLike, Viewer
from app.requests.schemas import RequestOut

RANK_SCAN = 10_000  # matches ahead of the pair counted at most (its rank beyond: not told)


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
    found = await asyncio.to_thread(
        index.standing,
        subject.want,
        taxonomy,
        offer_id=offer.id,
        score=candidate.score,
        limit=RANK_SCAN,
        viewer=subject.viewer,
        excluded=own,
    )
    card = (await matching_repository.offer_cards(session, [offer.id])).get(offer.id)
    if found is None or card is None:
        return None
    rank, match = found
    entry = offer_entry(card, match, rank)
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
    found = await asyncio.to_thread(
        index.standing,
        offer,
        taxonomy,
        request_id=subject.id,
        score=candidate.score,
        today=on,
        limit=RANK_SCAN,
        viewer=Viewer(partner_id=offer.partner_id),
        exclude_organization=offer.organization_id,
    )
    card = (await matching_repository.request_cards(session, [subject.id])).get(subject.id)
    if found is None or card is None:
        return None
    rank, match = found
    entry = request_entry(card, match, rank)
    return {
        "offer_id": offer.id,
        "request": RequestOut.of(subject.row, on=on).model_dump(mode="json"),
        "match": entry.model_dump(mode="json"),
    }
