"""Organisations (a partner's member companies) and their API keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response, status
from starlette.responses import StreamingResponse

from app.auth.dependencies import AdminAuth, AnyAuth, MemberAuth, PartnerAuth
from app.auth.routing import domain_router
from app.core.db import SessionDep
from app.core.errors import problem_responses
from app.core.pagination import Page, PageDep
from app.geo.filters import NearDep
from app.market.query import RegionQuery
from app.models import Organization
from app.organizations import erasure, export, service
from app.organizations.filters import OrganizationFilters
from app.organizations.schemas import (
    EraseConfirmation,
    Erased,
    OrganizationCreate,
    OrganizationKind,
    OrganizationOut,
    OrganizationStatus,
    OrganizationUpdate,
    Verification,
)
from app.tabular.export import (
    EXPORT_RESPONSES,
    FormatQuery,
    HeaderQuery,
    SessionsDep,
    export_response,
)
from app.taxonomy.codes import Code
from app.taxonomy.dependencies import TaxonomyDep
from app.web.http import IfMatch, set_etag

router = domain_router("/organizations", tags=["organizations"])


async def visible_organization(
    session: SessionDep, principal: AnyAuth, organization_id: str
) -> Organization:
    return await service.get_organization(
        session, principal=principal, organization_id=organization_id
    )


async def writable_organization(
    session: SessionDep, principal: MemberAuth, organization_id: str
) -> Organization:
    return await service.get_organization(
        session, principal=principal, organization_id=organization_id, for_write=True
    )


VisibleOrganization = Annotated[Organization, Depends(visible_organization)]
WritableOrganization = Annotated[Organization, Depends(writable_organization)]


def _out(response: Response, organization: Organization) -> OrganizationOut:
    set_etag(response, organization.version)
    return OrganizationOut.of(organization)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=OrganizationOut,
    responses=problem_responses(401, 403, 413, 422, 503),
)
async def create_organization(
    data: OrganizationCreate,
    session: SessionDep,
    principal: PartnerAuth,
    response: Response,
    taxonomy: TaxonomyDep,
) -> OrganizationOut:
    """Register a member organisation of the calling partner."""
    organization = await service.create_organization(
        session, principal=principal, data=data, taxonomy=taxonomy
    )
    return _out(response, organization)


def organization_filters(
    near: NearDep,
    taxonomy: TaxonomyDep,
    kind: Annotated[OrganizationKind | None, Query()] = None,
    status: Annotated[OrganizationStatus | None, Query()] = None,
    region: RegionQuery = None,
    certification: Annotated[Code | None, Query(description="Holds this certification")] = None,
    verified: Annotated[bool | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in name/description")] = None,
) -> OrganizationFilters:
    taxonomy.check_filters((("certification", "certification", certification),))
    return OrganizationFilters(
        kind=kind,
        status=status,
        region=region,
        certification=certification,
        verified=verified,
        q=q,
        near=near,
    )


Filters = Annotated[OrganizationFilters, Depends(organization_filters)]


@router.get("", response_model=Page[OrganizationOut], responses=problem_responses(401, 422, 503))
async def list_organizations(
    session: SessionDep, principal: AnyAuth, page: PageDep, filters: Filters
) -> Page[OrganizationOut]:
    """List the organisations this key may see (a partner: its members), newest first."""
    result = await service.list_organizations(
        session, principal=principal, filters=filters, page=page
    )
    return Page[OrganizationOut](
        data=[OrganizationOut.of(org) for org in result.items],
        has_more=result.has_more,
        next_cursor=result.next_cursor,
    )


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={**problem_responses(401, 422, 503), **EXPORT_RESPONSES},
)
async def export_organizations(
    principal: AnyAuth,
    sessions: SessionsDep,
    filters: Filters,
    format: FormatQuery = "csv",
    headers: HeaderQuery = "fields",
) -> StreamingResponse:
    """Every organisation the list would show, as CSV, XLSX or GeoJSON in the import's
    columns; contact details only for your own organisations."""
    return await export_response(
        "organizations",
        format,
        headers,
        lambda csv_lines: export.export_organizations(
            sessions, principal=principal, filters=filters, csv_lines=csv_lines
        ),
    )


@router.get(
    "/{organization_id}",
    response_model=OrganizationOut,
    responses=problem_responses(401, 404, 422, 503),
)
async def get_organization(
    organization: VisibleOrganization, response: Response
) -> OrganizationOut:
    """Read one organisation."""
    return _out(response, organization)


@router.patch(
    "/{organization_id}",
    response_model=OrganizationOut,
    responses=problem_responses(401, 403, 404, 409, 412, 413, 422, 503),
)
async def update_organization(
    data: OrganizationUpdate,
    organization: WritableOrganization,
    session: SessionDep,
    response: Response,
    taxonomy: TaxonomyDep,
    if_match: IfMatch = None,
) -> OrganizationOut:
    """Change an organisation; `certifications` replaces the whole list."""
    updated = await service.update_organization(
        session, organization=organization, data=data, if_match=if_match, taxonomy=taxonomy
    )
    return _out(response, updated)


@router.delete(
    "/{organization_id}",
    response_model=OrganizationOut,
    responses=problem_responses(401, 403, 404, 412, 422, 503),
)
async def close_organization(
    organization: WritableOrganization,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> OrganizationOut:
    """Close an organisation: its open offers close, requests cancel, keys are revoked."""
    closed = await service.close_organization(session, organization=organization, if_match=if_match)
    return _out(response, closed)


@router.post(
    "/{organization_id}/erase",
    response_model=Erased,
    responses=problem_responses(401, 403, 404, 413, 422, 503),
)
async def erase_organization(
    organization_id: str, data: EraseConfirmation, session: SessionDep, principal: AnyAuth
) -> Erased:
    """Erase the personal data of an organisation's contact persons for good (GDPR Art.
    17): names, e-mails and phones, the message texts it wrote, also in the event feed,
    webhook payloads and stored answers. It closes (open offers close, requests cancel,
    keys are revoked); engagement history stays, the organisation shown as erased.
    Irreversible: the body must be `{"confirm": true}`. Its partner, itself or the
    operator."""
    organization = await erasure.get_data_subject(
        session, principal=principal, organization_id=organization_id, lock=True
    )
    return await erasure.erase_organization(session, organization=organization)


@router.post(
    "/{organization_id}/verify",
    response_model=OrganizationOut,
    responses=problem_responses(401, 403, 404, 413, 422, 503),
)
async def verify_organization(
    data: Verification,
    organization: VisibleOrganization,
    session: SessionDep,
    _admin: AdminAuth,
    response: Response,
) -> OrganizationOut:
    """Mark an organisation as verified by the operator (admin)."""
    updated = await service.set_verified(session, organization=organization, verified=data.verified)
    return _out(response, updated)


@router.post(
    "/{organization_id}/certifications/{code}/verify",
    response_model=OrganizationOut,
    responses=problem_responses(401, 403, 404, 409, 413, 422, 503),
)
async def verify_certification(
    code: str,
    data: Verification,
    organization: VisibleOrganization,
    session: SessionDep,
    _admin: AdminAuth,
    response: Response,
) -> OrganizationOut:
    """Mark one of an organisation's held certificates as checked by the operator (admin);
    one in progress answers 409."""
    updated = await service.set_certification_verified(
        session, organization=organization, code=code, verified=data.verified
    )
    return _out(response, updated)
