"""Matching: ranked offers for a request (saved or not), ranked requests for an offer."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request, Response

from app.auth.dependencies import AnyAuth
from app.auth.routing import domain_router
from app.core.db import SessionDep
from app.core.errors import problem_responses
from app.market.query import RegionQuery
from app.matching import chains_service, service
from app.matching.chain_schemas import ChainPage
from app.matching.feed import MatchFeed
from app.matching.reasons import is_german
from app.matching.schemas import MatchSearch, OfferMatchPage, RequestMatchPage
from app.taxonomy.dependencies import TaxonomyDep
from app.taxonomy.schemas import preferred_language

requests_router = domain_router("/requests", tags=["matching"])
offers_router = domain_router("/offers", tags=["matching"])
search_router = domain_router("/matches", tags=["matching"])

RESPONSES = problem_responses(401, 404, 422, 503)


def match_feed(request: Request) -> MatchFeed:
    feed: MatchFeed = request.app.state.match_feed
    return feed


def rank_window(
    response: Response,
    limit: Annotated[int, Query(ge=1, le=100, description="Matches per page")] = 20,
    min_score: Annotated[float, Query(ge=0, le=1, description="Leave out lower scores")] = 0.0,
    region: RegionQuery = None,
    cursor: Annotated[str | None, Query(max_length=500, description="next_cursor")] = None,
    accept_language: Annotated[
        str | None, Header(description="en (default) or de: the language of `reasons`")
    ] = None,
) -> service.RankWindow:
    language = preferred_language(accept_language)
    response.headers["Content-Language"] = language
    response.headers["Vary"] = "Accept-Language"
    return service.RankWindow(
        limit=limit,
        min_score=min_score,
        region=region.upper() if region else None,
        cursor=cursor,
        language="de" if is_german(language) else "en",
    )


FeedDep = Annotated[MatchFeed, Depends(match_feed)]
WindowDep = Annotated[service.RankWindow, Depends(rank_window)]


@requests_router.get("/{request_id}/matches", response_model=OfferMatchPage, responses=RESPONSES)
async def request_matches(
    request_id: str,
    session: SessionDep,
    principal: AnyAuth,
    feed: FeedDep,
    window: WindowDep,
    taxonomy: TaxonomyDep,
) -> OfferMatchPage:
    """Offers ranked for a request: score, rank, a breakdown per factor and reasons.

    Only offers the caller may see take part, never those of the requesting
    organisation. Ties are broken by offer id; page on with `cursor` (ranks continue).
    """
    return await service.request_matches(
        session, feed, principal=principal, request_id=request_id, window=window, taxonomy=taxonomy
    )


@search_router.post(
    "/search", response_model=OfferMatchPage, responses=problem_responses(401, 404, 413, 422, 503)
)
async def search_matches(
    data: MatchSearch,
    session: SessionDep,
    principal: AnyAuth,
    feed: FeedDep,
    window: WindowDep,
    taxonomy: TaxonomyDep,
) -> OfferMatchPage:
    """Rank offers for an unsaved request (same body as POST /v1/requests); nothing is stored.

    With `organization_id` (or an organisation key) that organisation's own offers
    are left out.
    """
    return await service.search_matches(
        session, feed, principal=principal, data=data, window=window, taxonomy=taxonomy
    )


@offers_router.get("/{offer_id}/matches", response_model=RequestMatchPage, responses=RESPONSES)
async def offer_matches(
    offer_id: str,
    session: SessionDep,
    principal: AnyAuth,
    feed: FeedDep,
    window: WindowDep,
    taxonomy: TaxonomyDep,
) -> RequestMatchPage:
    """Open requests this offer could serve, best first (manufacturers looking for demand).

    Only requests the caller may see take part, never those of the offer's own
    organisation. Ties are broken by request id; page on with `cursor`.
    """
    return await service.offer_matches(
        session, feed, principal=principal, offer_id=offer_id, window=window, taxonomy=taxonomy
    )


@requests_router.get("/{request_id}/chains", response_model=ChainPage, responses=RESPONSES)
async def request_chains(
    request_id: str,
    session: SessionDep,
    principal: AnyAuth,
    feed: FeedDep,
    taxonomy: TaxonomyDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=20, description="Chains per page")] = 5,
    cursor: Annotated[str | None, Query(max_length=500, description="next_cursor")] = None,
    accept_language: Annotated[
        str | None, Header(description="en (default) or de: the language of `reasons`")
    ] = None,
) -> ChainPage:
    """Production chains: teams of visible offers, one per skill a requested product needs
    (upstream first), that together make it when no single offer does; best first.

    Hard filters per step, distances between consecutive steps within the delivering
    step's service radius, the bottleneck quantity and a ready date from the chained lead
    times (docs/guides/chains.md). Never an offer of the requesting organisation.
    """
    language = preferred_language(accept_language)
    response.headers["Content-Language"] = language
    response.headers["Vary"] = "Accept-Language"
    return await chains_service.request_chains(
        session,
        feed,
        principal=principal,
        request_id=request_id,
        limit=limit,
        cursor=cursor,
        language="de" if is_german(language) else "en",
        taxonomy=taxonomy,
    )
