"""Who may post offers and requests for which organisation: for one POST, or for many at
once (an import's chunk), with what each organisation holds and which references its
partner uses. For many, each read is one query for the whole chunk, with the same rules."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core.errors import AppError, InvalidInput
from app.market.external_refs import HoldersLookup, refs_in_use, taken_by
from app.models import Organization
from app.organizations.repository import OrganizationRepository
from app.organizations.service import OrganizationIsClosed, OrganizationNotFound, can_act_for


async def acting_organization(
    session: AsyncSession, *, principal: Principal, organization_id: str | None
) -> Organization:
    """The organisation an offer or request is posted for: implied by an organisation key."""
    organization_id = required_poster(principal, organization_id)
    acting = await acting_organizations(
        session, principal=principal, organization_ids={organization_id}
    )
    return _or_raise(acting[organization_id])


def posting_for(principal: Principal, organization_id: str | None) -> str | None:
    """The id of the organisation an offer or request is posted for: the one named, or
    implied by an organisation key."""
    if principal.kind == "organization" and organization_id is None:
        return principal.organization_id
    return organization_id


def required_poster(principal: Principal, organization_id: str | None) -> str:
    """``posting_for``, which a partner key must name (422 on ``organization_id``)."""
    organization_id = posting_for(principal, organization_id)
    if organization_id is None:
        raise InvalidInput.at("organization_id", "required when acting with a partner key")
    return organization_id


def _or_raise(found: Organization | AppError) -> Organization:
    if isinstance(found, AppError):
        raise found
    return found


def _refusal(
    principal: Principal, organization_id: str, organization: Organization | None
) -> AppError | None:
    """Why ``principal`` may not post for this organisation (None: it may)."""
    if organization is None or not can_act_for(principal, organization):
        return OrganizationNotFound(f"Organization {organization_id} not found.")
    if organization.status == "closed":
        return OrganizationIsClosed(f"Organization {organization_id} is closed.")
    return None


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
        refused = _refusal(principal, organization_id, organization)
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


class Posted(Protocol):
    """An offer or request to post (a create body) or posted (the new row)."""

    @property
    def organization_id(self) -> str | None: ...
    @property
    def external_ref(self) -> str | None: ...


class Created(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def partner_id(self) -> str: ...
    @property
    def external_ref(self) -> str | None: ...


@dataclass(slots=True)
class Posters:
    """Who the items of one create call are posted for, and the references their
    partners already use (those the call creates included, as it goes)."""

    principal: Principal
    acting: dict[str, Organization | AppError]
    refs_taken: dict[tuple[str, str], str]

    def organization(self, organization_id: str | None) -> Organization:
        """The organisation an item is posted for, or the error POST would answer."""
        return _or_raise(self.acting[required_poster(self.principal, organization_id)])

    def ensure_ref_free(self, organization: Organization, ref: str | None, *, kind: str) -> None:
        """409 naming ``external_ref`` when the organisation's partner already uses ``ref``."""
        if ref is None:
            return
        holder = self.refs_taken.get((organization.partner_id, ref))
        taken = taken_by(holder, kind=kind, ref=ref, own_id=None)
        if taken is not None:
            raise taken

    def took(self, created: Created) -> None:
        """A later item of the call cannot take ``created``'s reference."""
        if created.external_ref is not None:
            self.refs_taken[(created.partner_id, created.external_ref)] = created.id


async def read_posters(
    session: AsyncSession,
    *,
    principal: Principal,
    items: Sequence[Posted],
    holders_of: HoldersLookup,
) -> Posters:
    """One query for the items' organisations, one per partner for their references."""
    acting = await acting_organizations(
        session,
        principal=principal,
        organization_ids={
            organization_id
            for item in items
            if (organization_id := posting_for(principal, item.organization_id)) is not None
        },
    )
    refs_taken = await refs_in_use(
        holders_of,
        partner_ids=(o.partner_id for o in acting.values() if isinstance(o, Organization)),
        refs={item.external_ref for item in items if item.external_ref is not None},
    )
    return Posters(principal, acting, refs_taken)
