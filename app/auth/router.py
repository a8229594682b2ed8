"""API keys of partners and organisations: issue (shown once), list, revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, status

from app.auth import service
from app.auth.dependencies import AnyAuth, MemberAuth
from app.auth.routing import domain_router
from app.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut
from app.auth.service import KeyOwner
from app.core.db import SessionDep
from app.core.errors import problem_responses
from app.core.pagination import Page, PageDep, to_page
from app.models import ApiKey

partners_router = domain_router("/partners", tags=["partners"])
organizations_router = domain_router("/organizations", tags=["organizations"])


async def partner_keys(session: SessionDep, principal: AnyAuth, partner_id: str) -> KeyOwner:
    return await service.partner_keys_of(session, principal=principal, partner_id=partner_id)


async def organization_keys(
    session: SessionDep, principal: MemberAuth, organization_id: str
) -> KeyOwner:
    return await service.organization_keys_of(
        session, principal=principal, organization_id=organization_id
    )


async def organization_keys_to_issue(
    session: SessionDep, principal: MemberAuth, organization_id: str
) -> KeyOwner:
    return await service.organization_keys_of(
        session, principal=principal, organization_id=organization_id, issuing=True
    )


PartnerKeys = Annotated[KeyOwner, Depends(partner_keys)]
OrganizationKeys = Annotated[KeyOwner, Depends(organization_keys)]
NewOrganizationKey = Annotated[KeyOwner, Depends(organization_keys_to_issue)]


@partners_router.post(
    "/{partner_id}/api-keys",
    status_code=status.HTTP_201_CREATED,
    response_model=ApiKeyCreated,
    responses=problem_responses(401, 404, 409, 413, 422, 503),
)
async def create_partner_key(
    owner: PartnerKeys, session: SessionDep, data: ApiKeyCreate | None = None
) -> ApiKeyCreated:
    """Issue another partner key (cmp_...), e.g. to rotate keys; shown once.

    With an `Idempotency-Key`, a replay answers 409 `key-already-issued` naming the key
    instead of showing the secret again (it is never stored)."""
    return await service.issue_key(session, owner=owner, data=data or ApiKeyCreate())


@partners_router.get(
    "/{partner_id}/api-keys",
    response_model=Page[ApiKeyOut],
    responses=problem_responses(401, 404, 422, 503),
)
async def list_partner_keys(
    owner: PartnerKeys, session: SessionDep, page: PageDep
) -> Page[ApiKeyOut]:
    """List a partner's keys (never the secrets)."""
    return to_page(await service.list_keys(session, owner=owner, page=page), ApiKeyOut)


@partners_router.delete(
    "/{partner_id}/api-keys/{key_id}",
    response_model=ApiKeyOut,
    responses=problem_responses(401, 404, 422, 503),
)
async def revoke_partner_key(owner: PartnerKeys, session: SessionDep, key_id: str) -> ApiKey:
    """Revoke a partner key; it stops working at once."""
    return await service.revoke_key(session, owner=owner, key_id=key_id)


@organizations_router.post(
    "/{organization_id}/api-keys",
    status_code=status.HTTP_201_CREATED,
    response_model=ApiKeyCreated,
    responses=problem_responses(401, 403, 404, 409, 413, 422, 503),
)
async def create_organization_key(
    owner: NewOrganizationKey, session: SessionDep, data: ApiKeyCreate | None = None
) -> ApiKeyCreated:
    """Issue an organisation key (cmo_...) that acts for this organisation only; shown once.

    With an `Idempotency-Key`, a replay answers 409 `key-already-issued` naming the key
    instead of showing the secret again (it is never stored)."""
    return await service.issue_key(session, owner=owner, data=data or ApiKeyCreate())


@organizations_router.get(
    "/{organization_id}/api-keys",
    response_model=Page[ApiKeyOut],
    responses=problem_responses(401, 403, 404, 422, 503),
)
async def list_organization_keys(
    owner: OrganizationKeys, session: SessionDep, page: PageDep
) -> Page[ApiKeyOut]:
    """List an organisation's keys (never the secrets)."""
    return to_page(await service.list_keys(session, owner=owner, page=page), ApiKeyOut)


@organizations_router.delete(
    "/{organization_id}/api-keys/{key_id}",
    response_model=ApiKeyOut,
    responses=problem_responses(401, 403, 404, 422, 503),
)
async def revoke_organization_key(
    owner: OrganizationKeys, session: SessionDep, key_id: str
) -> ApiKey:
    """Revoke an organisation key; it stops working at once."""
    return await service.revoke_key(session, owner=owner, key_id=key_id)
