"""Buyers' requests for capacity."""

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
from app.models import CapacityRequest
from app.requests import creation, service
from app.requests.schemas import RequestCreate, RequestOut, RequestRow, RequestStatus, RequestUpdate
from app.tabular.export import (
    EXPORT_RESPONSES,
    FormatQuery,
    HeaderQuery,
    SessionsDep,
    export_response,
)
from app.taxonomy.dependencies import TaxonomyDep
from app.web.http import IfMatch, set_etag

router = domain_router("/requests", tags=["requests"])


async def visible_request(session: SessionDep, principal: AnyAuth, request_id: str) -> RequestRow:
    return await service.get_visible_request(session, principal=principal, request_id=request_id)


async def owned_request(
    session: SessionDep, principal: MemberAuth, request_id: str
) -> CapacityRequest:
    return await service.get_owned_request(session, principal=principal, request_id=request_id)


VisibleRequest = Annotated[RequestRow, Depends(visible_request)]
OwnedRequest = Annotated[CapacityRequest, Depends(owned_request)]


def _out(response: Response, request: CapacityRequest | RequestRow) -> RequestOut:
    set_etag(response, request.version)
    return RequestOut.of(request, on=today())


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=RequestOut,
    responses=problem_responses(401, 403, 404, 409, 413, 422, 503),
)
async def create_request(
    data: RequestCreate,
    session: SessionDep,
    principal: MemberAuth,
    response: Response,
    taxonomy: TaxonomyDep,
) -> RequestOut:
    """Post a request for capacity for one of your organisations."""
    request = await creation.create_request(
        session, principal=principal, data=data, taxonomy=taxonomy
    )
    return _out(response, request)


def request_filters(
    near: NearDep,
    taxonomy: TaxonomyDep,
    status: Annotated[list[RequestStatus] | None, Query(description="Repeat for several")] = None,
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


RequestFilters = Annotated[MarketFilters, Depends(request_filters)]


@router.get("", response_model=Page[RequestOut], responses=problem_responses(401, 422, 503))
async def list_requests(
    session: SessionDep, principal: AnyAuth, page: PageDep, filters: RequestFilters
) -> Page[RequestOut]:
    """List the requests this key may see, newest first."""
    result = await service.list_requests(session, principal=principal, filters=filters, page=page)
    on = today()
    return Page[RequestOut](
        data=[RequestOut.of(request, on=on) for request in result.items],
        has_more=result.has_more,
        next_cursor=result.next_cursor,
    )


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={**problem_responses(401, 422, 503), **EXPORT_RESPONSES},
)
async def export_requests(
    principal: AnyAuth,
    sessions: SessionsDep,
    filters: RequestFilters,
    format: FormatQuery = "csv",
    headers: HeaderQuery = "fields",
) -> StreamingResponse:
    """Every request the list would show, as CSV, XLSX or GeoJSON in the import's columns."""
    return await export_response(
        "requests",
        format,
        headers,
        lambda csv_lines: service.export_requests(
            sessions, principal=principal, filters=filters, csv_lines=csv_lines
        ),
    )


@router.get(
    "/{request_id}", response_model=RequestOut, responses=problem_responses(401, 404, 422, 503)
)
async def get_request(request: VisibleRequest, response: Response) -> RequestOut:
    """Read one request."""
    return _out(response, request)


@router.patch(
    "/{request_id}",
    response_model=RequestOut,
    responses=problem_responses(401, 403, 404, 409, 412, 413, 422, 503),
)
async def update_request(
    data: RequestUpdate,
    request: OwnedRequest,
    session: SessionDep,
    principal: MemberAuth,
    response: Response,
    taxonomy: TaxonomyDep,
    if_match: IfMatch = None,
) -> RequestOut:
    """Change a request you own (send If-Match to guard against lost updates).

    Marking it `cancelled` or `fulfilled` releases its pending holds on offers. 409 when
    `quantity` would drop below what its pending, accepted and fulfilled engagements hold.
    """
    updated = await service.update_request(
        session,
        principal=principal,
        request=request,
        data=data,
        if_match=if_match,
        taxonomy=taxonomy,
    )
    return _out(response, updated)


@router.delete(
    "/{request_id}",
    response_model=RequestOut,
    responses=problem_responses(401, 403, 404, 412, 422, 503),
)
async def cancel_request(
    request: OwnedRequest, session: SessionDep, response: Response, if_match: IfMatch = None
) -> RequestOut:
    """Cancel a request (soft delete: it reads `cancelled`, its history stays); its pending
    holds on offers are released."""
    closed = await service.cancel_request(session, request=request, if_match=if_match)
    return _out(response, closed)
