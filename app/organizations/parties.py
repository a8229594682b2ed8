"""Organisations as the sides of a deal: what an engagement shows of its buyer and seller.

Every hold and every answer to one shows both sides, so this is read on the hot path:
plain rows on the driver (``app.core.driver``), no ORM objects to build and track.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.organizations.repository import OrganizationRepository


@dataclass(frozen=True, slots=True)
class PartyRecord:
    id: str
    partner_id: str
    name: str
    region: str | None
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None
    erased_at: datetime | None
    certifications: tuple[tuple[str, date | None], ...]  # (code, valid until), by code

    def valid_certifications(self, on: date) -> list[str]:
        """The codes of the certificates valid on ``on``, sorted."""
        return [code for code, until in self.certifications if until is None or until >= on]


async def parties_by_id(
    session: AsyncSession, organization_ids: Collection[str]
) -> dict[str, PartyRecord]:
    """The organisations with these ids (those that exist), with their certifications."""
    organizations, certifications = await OrganizationRepository(session).parties(organization_ids)
    held: dict[str, list[tuple[str, date | None]]] = {row.id: [] for row in organizations}
    for row in certifications:
        held[row.organization_id].append((row.code, row.valid_until))
    return {
        row.id: PartyRecord(
            id=row.id,
            partner_id=row.partner_id,
            name=row.name,
            region=row.region,
            contact_name=row.contact_name,
            contact_email=row.contact_email,
            contact_phone=row.contact_phone,
            erased_at=row.erased_at,
            certifications=tuple(sorted(held[row.id])),
        )
        for row in organizations
    }
