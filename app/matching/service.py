"""Ranked, explained matches: offers for a request (saved or not), requests for an offer.

Scoring is CPU work: it runs in a worker thread so the event loop keeps serving
other requests meanwhile (numpy releases the GIL for the array work).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core.dates import today
from app.core.errors import InvalidInput
from app.matching import repository
from app.matching.demand import AfterRequest, DemandMatch
from app.matching.feed import MatchFeed
from app.matching.records import offer_record
from app.matching.reliability import NEWCOMER
from app.matching.schemas import (
    Breakdown,
    MatchedOffer,
    MatchedRequest,
    MatchSearch,
    OfferMatch,
    OfferMatchPage,
    OrganizationRef,
    RequestMatch,
    RequestMatchPage,
)
from app.matching.values import After, Match, Viewer, Want
from app.offers.service import get_visible_offer
from app.organizations.acting import acting_organization
from app.requests.service import (
    CODE_FIELDS,
    check_codes,
    check_needed_by,
    get_visible_request,
)
from app.taxonomy.vocabulary import Taxonomy


@dataclass(frozen=True, slots=True)
class RankWindow:
    """Which part of a ranking to return (from the query string)."""

    limit: int
    min_score: float
    region: str | None
    cursor: str | None
    language: str


@dataclass(frozen=True, slots=True)
class _Cursor:
    after: After
    ranked: int  # matches on the pages before


def _encode_cursor(match_score: float, object_id: str, ranked: int) -> str:
    raw = json.dumps([match_score, object_id, ranked], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> _Cursor | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        score, object_id, ranked = json.loads(raw)
        if not (isinstance(score, float | int) and isinstance(object_id, str)):
            raise ValueError(cursor)
        if not isinstance(ranked, int) or ranked < 0:
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as error:
        raise InvalidInput.at("cursor", "not a cursor of this ranking") from error
    return _Cursor(After(float(score), object_id), ranked)


def viewer_of(principal: Principal) -> Viewer:
    if principal.kind == "admin":
        return Viewer(sees_all=True)
    return Viewer(partner_id=principal.partner_id)


def want_of(source: Any, *, on: date, lat: float, lon: float) -> Want:
    """A ``Want`` from a stored request row or a search body."""
    weights = source.weights
    if weights is not None and not isinstance(weights, dict):
        weights = weights.overrides()
    return Want(
        skills=tuple(source.skills),
        products=tuple(source.products),
        quantity=source.quantity,
        needed_by=source.needed_by,
        lat=lat,
        lon=lon,
        today=on,
        required_certifications=tuple(source.required_certifications),
        preferred_certifications=tuple(source.preferred_certifications),
        max_distance_km=source.max_distance_km,
        weights=weights or None,
        unit=source.unit,
    )


def _scores(match: Match | DemandMatch, rank: int) -> dict[str, Any]:
    return {
        "score": match.score,
        "rank": rank,
        "breakdown": Breakdown(**match.breakdown),
        "distance_km": match.distance_km,
        "deliverable_quantity": match.deliverable_quantity,
        "reasons": match.reasons,
    }


def _organization(card: Any) -> OrganizationRef:
    return OrganizationRef(id=card.organization_id, name=card.organization_name)


def offer_entry(card: Any, match: Match, rank: int) -> OfferMatch:
    """An offer's entry in a ranking (``offer_cards`` row, index match, 1-based rank)."""
    offer = MatchedOffer(
        id=card.id, title=card.title, region=card.region, organization=_organization(card)
    )
    return OfferMatch(offer=offer, **_scores(match, rank))


def request_entry(card: Any, match: DemandMatch, rank: int) -> RequestMatch:
    """A request's entry in a ranking (``request_cards`` row, index match, 1-based rank)."""
    request = MatchedRequest(
        id=card.id, title=card.title, region=card.region, organization=_organization(card)
    )
    return RequestMatch(request=request, **_scores(match, rank))


async def _rank_offers(
    session: AsyncSession,
    feed: MatchFeed,
    *,
    want: Want,
    principal: Principal,
    window: RankWindow,
    taxonomy: Taxonomy,
    requester: str | None,
) -> OfferMatchPage:
    """Offers ranked for ``want``; never one of the ``requester`` organisation's own
    offers (it could not engage them), left out inside the search so pages stay full."""
    cursor = _decode_cursor(window.cursor)
    index = await feed.current(session)
    # Read after the index caught up: a superset of the organisation's offers it holds.
    own = await repository.offer_ids_of(session, requester, on=want.today) if requester else []
    found = await asyncio.to_thread(
        index.search,
        want,
        taxonomy,
        limit=window.limit + 1,
        min_score=window.min_score,
        language=window.language,
        viewer=viewer_of(principal),
        region=window.region,
        after=cursor.after if cursor else None,
        excluded=own,
    )
    page, has_more = found[: window.limit], len(found) > window.limit
    cards = await repository.offer_cards(session, [m.offer_id for m in page])
    ranked = cursor.ranked if cursor else 0
    data = []
    for position, match in enumerate(page, start=ranked + 1):
        card = cards.get(match.offer_id)
        if card is None:  # closed between the index read and now
            continue
        data.append(offer_entry(card, match, position))
    next_cursor = None
    if has_more and page:
        next_cursor = _encode_cursor(page[-1].score, page[-1].offer_id, ranked + len(page))
    return OfferMatchPage(data=data, has_more=has_more, next_cursor=next_cursor)


async def request_matches(
    session: AsyncSession,
    feed: MatchFeed,
    *,
    principal: Principal,
    request_id: str,
    window: RankWindow,
    taxonomy: Taxonomy,
) -> OfferMatchPage:
    request = await get_visible_request(session, principal=principal, request_id=request_id)
    want = want_of(request, on=today(), lat=request.lat, lon=request.lon)
    return await _rank_offers(
        session,
        feed,
        want=want,
        principal=principal,
        window=window,
        taxonomy=taxonomy,
        requester=request.organization_id,
    )


async def search_matches(
    session: AsyncSession,
    feed: MatchFeed,
    *,
    principal: Principal,
    data: MatchSearch,
    window: RankWindow,
    taxonomy: Taxonomy,
) -> OfferMatchPage:
    check_codes(taxonomy, data.model_dump(include=set(CODE_FIELDS)))
    if not data.skills and not data.products:
        raise InvalidInput.at("skills", "name at least one skill or product")
    on = today()
    check_needed_by(data.needed_by, on=on)
    location = data.location
    organization = None
    if data.organization_id is not None or (location is None and principal.kind == "organization"):
        # A named organisation must be one the caller acts for, location given or not.
        organization = await acting_organization(
            session, principal=principal, organization_id=data.organization_id
        )
    if location is not None:
        lat, lon = location.lat, location.lon
    elif organization is None:
        raise InvalidInput.at("location", "required unless organization_id is given")
    elif organization.lat is None or organization.lon is None:
        raise InvalidInput.at("location", "the organisation has no location; give one")
    else:
        lat, lon = organization.lat, organization.lon
    want = want_of(data, on=on, lat=lat, lon=lon)
    # The organisation searching: the one named, else the one an organisation key acts for.
    requester = organization.id if organization is not None else principal.organization_id
    return await _rank_offers(
        session,
        feed,
        want=want,
        principal=principal,
        window=window,
        taxonomy=taxonomy,
        requester=requester,
    )


async def offer_matches(
    session: AsyncSession,
    feed: MatchFeed,
    *,
    principal: Principal,
    offer_id: str,
    window: RankWindow,
    taxonomy: Taxonomy,
) -> RequestMatchPage:
    """Open requests this offer could serve, from the worker's index of open requests.

    Never a request of the offer's own organisation: it could not engage the offer.
    """
    cursor = _decode_cursor(window.cursor)
    offer = await get_visible_offer(session, principal=principal, offer_id=offer_id)
    on = today()
    if offer.status != "active" or offer.available_until < on:
        return RequestMatchPage(data=[], has_more=False)
    offers = await feed.current(session)
    # The offer index holds its organisation's certifications, caught up just now; only
    # an offer it does not hold yet (written since) needs them read.
    held, track = offers.certifications_of(offer.id), offers.track_of(offer.id)
    if held is None or track is None:
        held = await repository.held_by(session, offer.organization_id)
        tracks = await repository.track_records(session, [offer.organization_id])
        track = tracks.get(offer.organization_id, NEWCOMER)
    requests = feed.demand.index
    assert requests is not None  # loaded with the offers
    found = await asyncio.to_thread(
        requests.search,
        offer_record(offer, held, track=track),
        taxonomy,
        today=on,
        limit=window.limit + 1,
        min_score=window.min_score,
        language=window.language,
        viewer=viewer_of(principal),
        region=window.region,
        exclude_organization=offer.organization_id,
        after=AfterRequest(cursor.after.score, cursor.after.offer_id) if cursor else None,
    )
    page, has_more = found[: window.limit], len(found) > window.limit
    cards = await repository.request_cards(session, [m.request_id for m in page])
    ranked = cursor.ranked if cursor else 0
    data = []
    for position, match in enumerate(page, start=ranked + 1):
        card = cards.get(match.request_id)
        if card is None:  # gone between the index read and now
            continue
        data.append(request_entry(card, match, position))
    next_cursor = None
    if has_more and page:
        next_cursor = _encode_cursor(page[-1].score, page[-1].request_id, ranked + len(page))
    return RequestMatchPage(data=data, has_more=has_more, next_cursor=next_cursor)
