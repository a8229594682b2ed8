"""Offers of free production capacity."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response, status
from starlette.responses import StreamingResponse

from app.auth.dependencies import AnyAuth, MemberAuth
from app.auth.routing import domain_router
from app.core.dates import today
from app.core.db import SessionDep
from app.core.errors import problem_responses
from app.core.pagination import Page, PageDep
from app.geo.filters import NearDep
from app.market.listing import MarketFilters
from app.market.query import (
    CertificationQuery,
    OrganizationQuery,
    ProductQuery,
    RegionQuery,
    SkillQuery,
    TextQuery,
)
from app.market.schemas import Visibility
from app.models import Offer
from app.offers import creation, service
from app.offers.schemas import OfferCreate, OfferOut, OfferRow, OfferStatus, OfferUpdate
from app.tabular.export import (
    EXPORT_RESPONSES,
    FormatQuery,
    HeaderQuery,
    SessionsDep,
    export_response,
)
from app.taxonomy.dependencies import TaxonomyDep
from app.web.http import IfMatch, set_etag

router = domain_router("/offers", tags=["offers"])


async def visible_offer(session: SessionDep, principal: AnyAuth, offer_id: str) -> OfferRow:
    return await service.get_visible_offer(session, principal=principal, offer_id=offer_id)


async def owned_offer(session: SessionDep, principal: MemberAuth, offer_id: str) -> Offer:
    return await service.get_owned_offer(session, principal=principal, offer_id=offer_id)


VisibleOffer = Annotated[OfferRow, Depends(visible_offer)]
OwnedOffer = Annotated[Offer, Depends(owned_offer)]


async def _out(session: SessionDep, response: Response, offer: Offer | OfferRow) -> OfferOut:
    set_etag(response, offer.version)
    released = await service.lapsed_holds(session, [offer])
    return OfferOut.of(offer, on=today(), released=released.get(offer.id, 0))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=OfferOut,
    responses=problem_responses(401, 403, 404, 409, 413, 422, 503),
)
async def create_offer(
    data: OfferCreate,
    session: SessionDep,
    principal: MemberAuth,
    response: Response,
    taxonomy: TaxonomyDep,
) -> OfferOut:
    """Offer free capacity for one of your organisations."""
    offer = await creation.create_offer(session, principal=principal, data=data, taxonomy=taxonomy)
    return await _out(session, response, offer)


def offer_filters(
    near: NearDep,
    taxonomy: TaxonomyDep,
    status: Annotated[list[OfferStatus] | None, Query(description="Repeat for several")] = None,
    skill: SkillQuery = None,
    product: ProductQuery = None,
    certification: CertificationQuery = None,
    region: RegionQuery = None,
    organization_id: OrganizationQuery = None,
    visibility: Annotated[Visibility | None, Query()] = None,
    q: TextQuery = None,
) -> MarketFilters:
    taxonomy.check_filters(
        (
            ("skill", "skill", skill),
            ("product", "product", product),
            ("certification", "certification", certification),
        )
    )
    return MarketFilters(
        statuses=tuple(status or ()),
        skill=skill,
        product=product,
        certification=certification,
        region=region,
        organization_id=organization_id,
        visibility=visibility,
        q=q,
        near=near,
    )


OfferFilters = Annotated[MarketFilters, Depends(offer_filters)]


@router.get("", response_model=Page[OfferOut], responses=problem_responses(401, 422, 503))
async def list_offers(
    session: SessionDep, principal: AnyAuth, page: PageDep, filters: OfferFilters
) -> Page[OfferOut]:
    """List the offers this key may see, newest first."""
    result = await service.list_offers(session, principal=principal, filters=filters, page=page)
    on = today()
    released = await service.lapsed_holds(session, result.items)
    return Page[OfferOut](
        data=[
            OfferOut.of(offer, on=on, released=released.get(offer.id, 0)) for offer in result.items
        ],
        has_more=result.has_more,
        next_cursor=result.next_cursor,
    )


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={**problem_responses(401, 422, 503), **EXPORT_RESPONSES},
)
async def export_offers(
    principal: AnyAuth,
    sessions: SessionsDep,
    filters: OfferFilters,
    format: FormatQuery = "csv",
    headers: HeaderQuery = "fields",
) -> StreamingResponse:
    """Every offer the list would show, as CSV, XLSX or GeoJSON in the import's columns."""
    return await export_response(
        "offers",
        format,
        headers,
        lambda csv_lines: service.export_offers(
            sessions, principal=principal, filters=filters, csv_lines=csv_lines
        ),
    )


@router.get("/{offer_id}", response_model=OfferOut, responses=problem_responses(401, 404, 422, 503))
async def get_offer(offer: VisibleOffer, session: SessionDep, response: Response) -> OfferOut:
    """Read one offer."""
    return await _out(session, response, offer)


@router.patch(
    "/{offer_id}",
    response_model=OfferOut,
    responses=problem_responses(401, 403, 404, 409, 412, 413, 422, 503),
)
async def update_offer(
    data: OfferUpdate,
    offer: OwnedOffer,
    session: SessionDep,
    principal: MemberAuth,
    response: Response,
    taxonomy: TaxonomyDep,
    if_match: IfMatch = None,
) -> OfferOut:
    """Change an offer you own (send If-Match to guard against lost updates).

    Setting `status` to `paused` or `draft` releases the offer's pending holds (accepted
    work stays reserved)."""
    updated = await service.update_offer(
        session,
        principal=principal,
        offer=offer,
        data=data,
        if_match=if_match,
        taxonomy=taxonomy,
    )
    return await _out(session, response, updated)


@router.delete(
    "/{offer_id}",
    response_model=OfferOut,
    responses=problem_responses(401, 403, 404, 412, 422, 503),
)
async def close_offer(
    offer: OwnedOffer, session: SessionDep, response: Response, if_match: IfMatch = None
) -> OfferOut:
    """Close an offer (soft delete: it reads `closed`, its history stays); its pending holds
    are released, accepted work stays reserved."""
    closed = await service.close_offer(session, offer=offer, if_match=if_match)
    return await _out(session, response, closed)
