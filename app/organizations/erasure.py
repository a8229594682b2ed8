"""The personal data of an organisation's contact persons: who may hand it out or erase
it, and the erase itself (GDPR Art. 15-17)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core.dates import utcnow
from app.core.erasure import PersonalDataErased
from app.core.events import publish
from app.models import Organization
from app.organizations.repository import OrganizationRepository
from app.organizations.schemas import Erased, OrganizationOut
from app.organizations.service import (
    OrganizationNotFound,
    announce,
    can_act_for,
    close_organization,
)


async def get_data_subject(
    session: AsyncSession, *, principal: Principal, organization_id: str, lock: bool = False
) -> Organization:
    """The organisation whose personal data the caller may hand out or erase: its
    partner, itself, or the operator (``lock`` it to erase it)."""
    repository = OrganizationRepository(session)
    organization = await (
        repository.get_for_update(organization_id) if lock else repository.get(organization_id)
    )
    if organization is None or not (principal.is_admin or can_act_for(principal, organization)):
        raise OrganizationNotFound(f"Organization {organization_id} not found.")
    return organization


CONTACT_FIELDS = {"name": "contact_name", "email": "contact_email", "phone": "contact_phone"}


async def erase_organization(session: AsyncSession, *, organization: Organization) -> Erased:
    """GDPR Art. 17: its contact persons' names, e-mails and phones and the texts they
    wrote go for good, here and in every copy (subscribers of ``PersonalDataErased``:
    messages, the event feed, webhook payloads, stored idempotent answers); it closes
    (offers close, requests cancel, keys are revoked); engagements stay, with it shown as
    erased. Irreversible; erasing again finds nothing more to remove."""
    now = utcnow()
    held = [name for name, column in CONTACT_FIELDS.items() if getattr(organization, column)]
    if organization.status != "closed":
        await close_organization(session, organization=organization, if_match=None)
    for column in CONTACT_FIELDS.values():
        setattr(organization, column, None)
    if organization.erased_at is None:
        organization.erased_at = now
    organization.updated_at = now
    await session.flush()
    erased = PersonalDataErased(organization_id=organization.id, partner_id=organization.partner_id)
    await announce(session, organization, "organization.erased")
    # Last: the copies include the events the close and this erase just wrote.
    await publish(session, erased)
    return Erased(
        organization_id=organization.id,
        erased_at=organization.erased_at,
        contact=held,
        removed=erased.erased,
        organization=OrganizationOut.of(organization),
    )
