"""Bulk reads for posting many offers or requests at once (an import's chunk): who may
post for which organisation, what each holds, which references a partner uses. Each is
one query for the whole chunk, with the rules of the single-object path."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core.errors import AppError
from app.models import Organization
from app.organizations.repository import OrganizationRepository
from app.organizations.service import refusal


def posting_for(principal: Principal, organization_id: str | None) -> str | None:
    """The organisation an offer or request is posted for: implied by an organisation key."""
    if principal.kind == "organization" and organization_id is None:
        return principal.organization_id
    return organization_id


async def acting_organizations(
    session: AsyncSession, *, principal: Principal, organization_ids: Collection[str]
) -> dict[str, Organization | AppError]:
    """Per id: the organisation ``principal`` may post for, or why it may not (as
    ``acting_organization`` would raise it)."""
    repository = OrganizationRepository(session)
    if len(organization_ids) == 1:  # one POST: the prepared statement of the hot path
        (only,) = organization_ids
        single = await repository.get_plain(only)
        found = {only: single} if single is not None else {}
    else:
        found = {o.id: o for o in await repository.get_plain_many(set(organization_ids))}
    acting: dict[str, Organization | AppError] = {}
    for organization_id in organization_ids:
        organization = found.get(organization_id)
        refused = refusal(principal, organization_id, organization)
        if refused is not None:
            acting[organization_id] = refused
        elif organization is not None:
            acting[organization_id] = organization
    return acting


async def certifications_of(
    session: AsyncSession, organization_ids: Collection[str]
) -> dict[str, dict[str, date | None]]:
    """Per organisation: code -> valid_until of every certificate it holds."""
    return await OrganizationRepository(session).certifications_of(set(organization_ids))


async def ids_of_external_refs(
    session: AsyncSession, *, partner_id: str, refs: Collection[str]
) -> dict[str, str]:
    """``external_ref`` -> id of the partner's organisations holding one of ``refs``."""
    return await OrganizationRepository(session).holders_of_external_refs(partner_id, set(refs))
