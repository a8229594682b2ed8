"""Partners: cluster portals, created and managed by the operator (admin key)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response, status

from app.auth.dependencies import AdminAuth, AnyAuth
from app.auth.routing import domain_router
from app.core.db import SessionDep
from app.core.errors import problem_responses
from app.core.pagination import Page, PageDep, to_page
from app.models import Partner
from app.partners import service
from app.partners.schemas import (
    PartnerCreate,
    PartnerCreated,
    PartnerOut,
    PartnerStatus,
    PartnerUpdate,
)
from app.web.http import IfMatch, set_etag

router = domain_router("/partners", tags=["partners"])


async def visible_partner(session: SessionDep, principal: AnyAuth, partner_id: str) -> Partner:
    return await service.get_partner(session, principal=principal, partner_id=partner_id)


async def managed_partner(session: SessionDep, principal: AdminAuth, partner_id: str) -> Partner:
    return await service.get_partner(session, principal=principal, partner_id=partner_id)


VisiblePartner = Annotated[Partner, Depends(visible_partner)]
ManagedPartner = Annotated[Partner, Depends(managed_partner)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PartnerCreated,
    responses=problem_responses(401, 403, 409, 413, 422, 503),
)
async def create_partner(
    data: PartnerCreate, session: SessionDep, _admin: AdminAuth
) -> PartnerCreated:
    """Create a partner (cluster portal); the response carries its first key, shown once.

    With an `Idempotency-Key`, a replay answers 409 `key-already-issued` naming the
    partner and its key instead of showing the secret again (it is never stored)."""
    return await service.create_partner(session, data=data)


@router.get("", response_model=Page[PartnerOut], responses=problem_responses(401, 403, 422, 503))
async def list_partners(
    session: SessionDep,
    _admin: AdminAuth,
    page: PageDep,
    status: Annotated[PartnerStatus | None, Query()] = None,
) -> Page[PartnerOut]:
    """List partners, newest first (admin)."""
    result = await service.list_partners(session, page=page, status=status)
    return to_page(result, PartnerOut)


@router.get(
    "/{partner_id}", response_model=PartnerOut, responses=problem_responses(401, 404, 422, 503)
)
async def get_partner(partner: VisiblePartner, response: Response) -> Partner:
    """Read a partner (admin, or the partner itself)."""
    set_etag(response, partner.version)
    return partner


@router.patch(
    "/{partner_id}",
    response_model=PartnerOut,
    responses=problem_responses(401, 403, 404, 412, 413, 422, 503),
)
async def update_partner(
    data: PartnerUpdate,
    partner: ManagedPartner,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> Partner:
    """Rename a partner or change its status (admin)."""
    updated = await service.update_partner(session, partner=partner, data=data, if_match=if_match)
    set_etag(response, updated.version)
    return updated


@router.delete(
    "/{partner_id}",
    response_model=PartnerOut,
    responses=problem_responses(401, 403, 404, 412, 422, 503),
)
async def deactivate_partner(
    partner: ManagedPartner, session: SessionDep, response: Response, if_match: IfMatch = None
) -> Partner:
    """Deactivate a partner: its keys stop working, its data is kept (admin)."""
    updated = await service.deactivate_partner(session, partner=partner, if_match=if_match)
    set_etag(response, updated.version)
    return updated
