"""Organisations: the member companies a partner manages, with certifications and contact."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.auth.service import revoke_keys_of_organization
from app.core.dates import utcnow
from app.core.errors import Conflict, InvalidInput, NotFound
from app.core.events import publish
from app.core.ids import new_id
from app.core.pagination import PageParams, Window, window
from app.core.schemas import patch_changes
from app.events.outbox import Party, ResourceChanged
from app.geo.schemas import Address, Location
from app.geo.service import Place, place_of_address, region_near
from app.market.external_refs import ensure_free
from app.models import Organization, OrganizationCertification
from app.organizations.events import CertificationsWithdrawn, OrganizationClosed
from app.organizations.filters import OrganizationFilters
from app.organizations.repository import OrganizationRepository
from app.organizations.schemas import (
    CertificationIn,
    Contact,
    OrganizationCreate,
    OrganizationOut,
    OrganizationUpdate,
    address_of,
)
from app.taxonomy.vocabulary import Taxonomy
from app.web.http import check_if_match


class OrganizationNotFound(NotFound):
    pass


class CertificationNotIssued(Conflict):
    title = "Certification is in progress"


class OrganizationIsClosed(Conflict):
    title = "Organisation is closed"


def can_see(principal: Principal, organization: Organization) -> bool:
    return principal.may_see_organization(
        partner_id=organization.partner_id, organization_id=organization.id
    )


def can_act_for(principal: Principal, organization: Organization) -> bool:
    """Partners act for their members; an organisation key acts for itself only."""
    return principal.may_act_for_organization(
        partner_id=organization.partner_id, organization_id=organization.id
    )


async def get_organization(
    session: AsyncSession, *, principal: Principal, organization_id: str, for_write: bool = False
) -> Organization:
    repository = OrganizationRepository(session)
    organization = (
        await repository.get_for_update(organization_id)
        if for_write
        else await repository.get(organization_id)
    )
    allowed = can_act_for if for_write else can_see
    if organization is None or not allowed(principal, organization):
        raise OrganizationNotFound(f"Organization {organization_id} not found.")
    return organization


async def resolve_location(
    session: AsyncSession, *, location: Location | None, address: Address | None
) -> Place:
    """Coordinates are needed for matching; the gazetteer can supply them from the address.

    The region comes from the address's postal code when the gazetteer knows it,
    otherwise from the postal code nearest to the coordinates (None without a gazetteer).
    """
    found = await place_of_address(session, address) if address is not None else None
    if location is not None:
        region = found.region if found else await region_near(session, location.lat, location.lon)
        return Place(lat=location.lat, lon=location.lon, region=region)
    if found is not None:
        return found
    if address is None:
        raise InvalidInput.at(
            "location", "coordinates are needed: give location {lat, lon} or an address"
        )
    raise InvalidInput.at(
        "address.postal_code",
        f"postal code {address.postal_code} ({address.country}) is not in the gazetteer; "
        "coordinates are needed: give location {lat, lon}",
    )


def _apply_address(organization: Organization, address: Address | None) -> None:
    organization.street = address.street if address else None
    organization.postal_code = address.postal_code if address else None
    organization.city = address.city if address else None
    organization.country = address.country if address else None


def _apply_contact(organization: Organization, contact: Contact | None) -> None:
    organization.contact_name = contact.name if contact else None
    organization.contact_email = str(contact.email) if contact and contact.email else None
    organization.contact_phone = contact.phone if contact else None


def _certifications(
    wanted: list[CertificationIn], current: list[OrganizationCertification]
) -> list[OrganizationCertification]:
    """The new list; an unchanged certificate keeps its verification.

    A certification that turns held (or changes at all) is a new certificate: unverified
    until the operator checks it.
    """
    by_code = {certification.code: certification for certification in current}
    result = []
    for item in wanted:
        existing = by_code.get(item.code)
        unchanged = existing is not None and (
            existing.status == item.status
            and existing.expected_by == item.expected_by
            and existing.valid_until == item.valid_until
            and existing.certificate_number == item.certificate_number
        )
        if existing is not None and unchanged:
            result.append(existing)
            continue
        result.append(
            OrganizationCertification(
                code=item.code,
                status=item.status,
                expected_by=item.expected_by,
                valid_until=item.valid_until,
                certificate_number=item.certificate_number,
                verified=False,
            )
        )
    return result


def _check_certification_codes(
    taxonomy: Taxonomy,
    wanted: list[CertificationIn],
    *,
    current: list[OrganizationCertification],
) -> None:
    """Known codes only; a deprecated one may stay where the organisation already holds it."""
    errors = taxonomy.validate(
        "certification",
        [item.code for item in wanted],
        field="certifications",
        item_suffix=".code",
        keep={certification.code for certification in current},
    )
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


async def create_organization(
    session: AsyncSession, *, principal: Principal, data: OrganizationCreate, taxonomy: Taxonomy
) -> Organization:
    assert principal.partner_id is not None
    _check_certification_codes(taxonomy, data.certifications, current=[])
    repository = OrganizationRepository(session)
    await ensure_free(
        repository.holder_of_external_ref,
        kind="organization",
        partner_id=principal.partner_id,
        ref=data.external_ref,
        own_id=None,
    )
    location = await resolve_location(session, location=data.location, address=data.address)
    now = utcnow()
    organization = Organization(
        id=new_id("org"),
        partner_id=principal.partner_id,
        name=data.name,
        kind=data.kind,
        description=data.description,
        website=data.website,
        external_ref=data.external_ref,
        lat=location.lat,
        lon=location.lon,
        region=location.region,
        verified=False,
        status="active",
        created_at=now,
        updated_at=now,
        certifications=_certifications(data.certifications, []),
    )
    _apply_address(organization, data.address)
    _apply_contact(organization, data.contact)
    organization = await repository.add(organization)
    await announce(session, organization, "organization.created")
    return organization


async def announce(session: AsyncSession, organization: Organization, type: str) -> None:
    """The outbox's event of a change, with the organisation as GET shows it."""
    await publish(
        session,
        ResourceChanged(
            type=type,
            object=OrganizationOut.of(organization).model_dump(mode="json"),
            owner=Party(organization.partner_id, organization.id),
        ),
    )


def scoped_filters(filters: OrganizationFilters, principal: Principal) -> OrganizationFilters:
    """A partner sees its members, an organisation itself, the admin everyone."""
    if principal.kind == "partner":
        return replace(filters, partner_id=principal.partner_id)
    if principal.kind == "organization":
        return replace(filters, organization_id=principal.organization_id)
    return filters


async def list_organizations(
    session: AsyncSession, *, principal: Principal, filters: OrganizationFilters, page: PageParams
) -> Window[Organization]:
    rows = await OrganizationRepository(session).list_page(scoped_filters(filters, principal), page)
    return window(rows, page, lambda org: org.id)


async def _withdraw_certifications(
    session: AsyncSession, organization: Organization, kept: set[str]
) -> None:
    """Tell the market which certificates go; an offer still claiming one refuses (422)."""
    removed = frozenset({c.code for c in organization.certifications} - kept)
    if removed:
        await publish(
            session, CertificationsWithdrawn(organization_id=organization.id, codes=removed)
        )


async def _moved_to(
    session: AsyncSession, organization: Organization, changes: dict[str, Any]
) -> Place | None:
    """Where a PATCH puts the organisation; None when its coordinates and region stay.

    New coordinates take their region from the (new or current) address, else from
    the nearest postal code; a new address alone moves the organisation when the
    gazetteer knows its postal code.
    """
    if "location" in changes:
        address = changes["address"] if "address" in changes else address_of(organization)
        return await resolve_location(session, location=changes["location"], address=address)
    if changes.get("address") is not None:
        return await place_of_address(session, changes["address"])
    return None


async def update_organization(
    session: AsyncSession,
    *,
    organization: Organization,
    data: OrganizationUpdate,
    if_match: str | None,
    taxonomy: Taxonomy,
) -> Organization:
    check_if_match(if_match, organization.version)
    if organization.status == "closed":
        raise OrganizationIsClosed(f"Organization {organization.id} is closed.")
    changes = patch_changes(data)
    if "certifications" in changes:
        _check_certification_codes(
            taxonomy, changes["certifications"], current=organization.certifications
        )
        # Queried before anything changes: a query after the changes would autoflush
        # them and the final flush would bump the version (the ETag) a second time.
        wanted: list[CertificationIn] = changes["certifications"]
        await _withdraw_certifications(session, organization, {c.code for c in wanted})
    if changes.get("external_ref") is not None:
        await ensure_free(
            OrganizationRepository(session).holder_of_external_ref,
            kind="organization",
            partner_id=organization.partner_id,
            ref=changes["external_ref"],
            own_id=organization.id,
        )
    place = await _moved_to(session, organization, changes)
    for field in ("name", "kind", "description", "website", "external_ref"):
        if field in changes:
            setattr(organization, field, changes[field])
    if place is not None:
        organization.lat, organization.lon, organization.region = place.lat, place.lon, place.region
    if "address" in changes:
        _apply_address(organization, changes["address"])
    if "contact" in changes:
        _apply_contact(organization, changes["contact"])
    if "certifications" in changes:
        organization.certifications = _certifications(
            changes["certifications"], organization.certifications
        )
    organization.updated_at = utcnow()
    await session.flush()
    await announce(session, organization, "organization.updated")
    return organization


async def close_organization(
    session: AsyncSession, *, organization: Organization, if_match: str | None
) -> Organization:
    """Soft delete: the organisation closes, its keys are revoked, and its open offers and
    requests close with it (subscribers of ``OrganizationClosed``)."""
    check_if_match(if_match, organization.version)
    if organization.status == "closed":
        return organization
    now = utcnow()
    organization.status = "closed"
    organization.updated_at = now
    await revoke_keys_of_organization(session, organization.id)
    await publish(session, OrganizationClosed(organization_id=organization.id, closed_at=now))
    await session.flush()
    await announce(session, organization, "organization.updated")
    return organization


async def set_verified(
    session: AsyncSession, *, organization: Organization, verified: bool
) -> Organization:
    if organization.verified != verified:
        organization.verified = verified
        organization.updated_at = utcnow()
        await session.flush()
        await announce(session, organization, "organization.updated")
    return organization


async def set_certification_verified(
    session: AsyncSession, *, organization: Organization, code: str, verified: bool
) -> Organization:
    for certification in organization.certifications:
        if certification.code == code:
            if verified and certification.status != "held":
                raise CertificationNotIssued(
                    f"Organization {organization.id}'s {code} certification is in progress "
                    f"(expected by {certification.expected_by}); only a held certificate can "
                    "be verified. Verify it once the organisation reports it held."
                )
            if certification.verified != verified:
                certification.verified = verified
                organization.updated_at = utcnow()
                await session.flush()
                await announce(session, organization, "organization.updated")
            return organization
    raise NotFound(f"Organization {organization.id} holds no certification {code}.")


async def held_certifications(
    session: AsyncSession, organization_id: str
) -> dict[str, date | None]:
    """Code -> valid_until of every certificate the organisation holds."""
    return await OrganizationRepository(session).held_certifications(organization_id)


async def id_of_external_ref(session: AsyncSession, *, partner_id: str, ref: str) -> str | None:
    """The id of the partner's organisation holding ``ref`` (imports upsert by it)."""
    return await OrganizationRepository(session).holder_of_external_ref(partner_id, ref)


async def places_of_partner(session: AsyncSession, partner_id: str) -> Sequence[Any]:
    """(id, name, postal_code, lat, lon) of the partner's open organisations."""
    return await OrganizationRepository(session).places_of_partner(partner_id)
