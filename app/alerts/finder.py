"""Which alerts a batch of applied changes may make due, found in the worker's indexes.

- An offer that is (still or again) matchable after the batch: every open request and
  saved search it matches, best first, whose owner may see the offer and whose
  threshold its score reaches -> ``match.found`` to that owner. Found with the request
  index's search for an offer (the ranking behind ``GET /v1/offers/{id}/matches``).
- An open request after the batch: every offer it matches from its ``alert_min_score``
  on, among those its owner may see (the ranking behind ``GET /v1/requests/{id}/matches``),
  whose owner may see the request -> ``demand.found`` to the offer's owner.

Nothing is scored in SQL: the database supplies owners, thresholds and the saved
searches; the scores come from the indexes. At most ``FANOUT`` best matches per
changed object are considered (README, "Saved searches and match alerts").
"""

from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts import repository
from app.alerts.repository import SavedSearchRepository
from app.alerts.subjects import (
    DEMAND_FOUND,
    MATCH_FOUND,
    Candidate,
    Subject,
    request_subject,
    saved_search_index,
    saved_search_subject,
)
from app.matching import repository as matching_repository
from app.matching.demand_index import RequestIndex
from app.matching.feed import Applied, MatchFeed
from app.matching.records import offer_record_of
from app.matching.values import OfferRecord, TaxonomyLike, Viewer

FANOUT = 100  # best matches considered per changed offer or request


async def candidates(
    session: AsyncSession, feed: MatchFeed, applied: Applied, taxonomy: TaxonomyLike, on: date
) -> list[Candidate]:
    offers = [record for record in applied.offers.values() if record is not None]
    request_ids = [key for key, record in applied.requests.items() if record is not None]
    found: list[Candidate] = []
    if offers:
        found += await _for_offers(session, feed, offers, taxonomy, on)
    if request_ids:
        found += await _for_requests(session, feed, request_ids, taxonomy, on)
    return found


def _offer_viewer(offer: OfferRecord) -> Viewer:
    # A shared offer may reach every request's owner; a network offer only its partner's.
    return Viewer(sees_all=True) if offer.shared else Viewer(partner_id=offer.partner_id)


async def _search(
    index: RequestIndex, offer: OfferRecord, taxonomy: TaxonomyLike, on: date
) -> list[tuple[str, float]]:
    matches = await asyncio.to_thread(
        index.search,
        offer,
        taxonomy,
        today=on,
        limit=FANOUT,
        viewer=_offer_viewer(offer),
        exclude_organization=offer.organization_id,
    )
    return [(match.request_id, match.score) for match in matches]


async def _for_offers(
    session: AsyncSession,
    feed: MatchFeed,
    offers: list[OfferRecord],
    taxonomy: TaxonomyLike,
    on: date,
) -> list[Candidate]:
    found: list[Candidate] = []
    requests = feed.demand.index
    if requests is not None:
        per_offer = [(offer, await _search(requests, offer, taxonomy, on)) for offer in offers]
        rows = await repository.alert_requests(
            session, {request_id for _, hits in per_offer for request_id, _ in hits}
        )
        subjects: dict[str, Subject] = {}
        for offer, hits in per_offer:
            for request_id, score in hits:
                row = rows.get(request_id)
                if row is None or row.status != "open" or score < row.alert_min_score:
                    continue
                subject = subjects.get(request_id) or request_subject(row, on)
                subjects[request_id] = subject
                if subject.sees(offer):
                    found.append(Candidate(MATCH_FOUND, subject, offer, score))
    saved = [
        saved_search_subject(search, on)
        for search in await SavedSearchRepository(session).all()
        if search.criteria.get("needed_by", "") >= on.isoformat()
    ]
    if saved:
        by_id = {subject.id: subject for subject in saved}
        index = await asyncio.to_thread(saved_search_index, saved)
        for offer in offers:
            for saved_id, score in await _search(index, offer, taxonomy, on):
                subject = by_id[saved_id]
                if score >= subject.threshold and subject.sees(offer):
                    found.append(Candidate(MATCH_FOUND, subject, offer, score))
    return found


async def _for_requests(
    session: AsyncSession,
    feed: MatchFeed,
    request_ids: list[str],
    taxonomy: TaxonomyLike,
    on: date,
) -> list[Candidate]:
    offers = feed.index
    if offers is None:
        return []
    rows = await repository.alert_requests(session, request_ids)
    hits: list[tuple[Subject, str, float]] = []
    owners = {row.organization_id for row in rows.values()}
    own_offers = await matching_repository.offer_ids_by_organization(session, owners, on=on)
    for row in rows.values():
        if row.status != "open" or row.needed_by < on:
            continue
        subject = request_subject(row, on)
        own = own_offers[row.organization_id]
        matches = await asyncio.to_thread(
            offers.search,
            subject.want,
            taxonomy,
            limit=FANOUT,
            min_score=subject.threshold,
            viewer=subject.viewer,
            excluded=own,
        )
        hits += [(subject, match.offer_id, match.score) for match in matches]
    records = await offer_records(session, {offer_id for _, offer_id, _ in hits}, on)
    found = []
    for subject, offer_id, score in hits:
        offer = records.get(offer_id)
        # The offer's owner learns of the request only if it may see it.
        if offer is not None and (subject.shared or offer.partner_id == subject.partner_id):
            found.append(Candidate(DEMAND_FOUND, subject, offer, score))
    return found


async def offer_records(
    session: AsyncSession, offer_ids: set[str], on: date
) -> dict[str, OfferRecord]:
    """The matchable offers among these, as the index holds them."""
    if not offer_ids:
        return {}
    rows = await matching_repository.offers_touched(session, offer_ids, ())
    organizations = {row.organization_id for row in rows}
    held = await matching_repository.certifications_of(session, organizations)
    tracks = await matching_repository.track_records(session, organizations)
    return {
        row.id: offer_record_of(row, held, tracks)
        for row in rows
        if row.status == "active" and row.available_until >= on
    }
