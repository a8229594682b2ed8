"""Engagements as each party may see them: the other side's contact only once accepted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core.dates import today, utcnow
from app.engagements.repository import EngagementRepository
from app.engagements.rules import as_status, read_status
from app.engagements.schemas import EngagementOut, EventOut, MessageOut, PartyOut
from app.engagements.service import sides_of
from app.models import Engagement, EngagementMessage
from app.organizations.parties import PartyRecord, parties_by_id
from app.organizations.schemas import contact_of


async def engagement_views(
    session: AsyncSession, principal: Principal, engagements: Sequence[Engagement]
) -> list[EngagementOut]:
    """Engagements as the caller may see them: the other side's contact only once accepted."""
    if not engagements:
        return []
    now, on = utcnow(), today()
    organization_ids = {e.buyer_organization_id for e in engagements} | {
        e.seller_organization_id for e in engagements
    }
    organizations = await parties_by_id(session, organization_ids)
    events = await EngagementRepository(session).events_of([e.id for e in engagements])
    out = []
    for engagement in engagements:
        sides = sides_of(principal, engagement)
        revealed = engagement.accepted_at is not None or principal.is_admin
        status = read_status(engagement.status, engagement.expires_at, now=now)
        out.append(
            EngagementOut(
                id=engagement.id,
                request_id=engagement.request_id,
                offer_id=engagement.offer_id,
                quantity=engagement.quantity,
                status=status,
                expires_at=engagement.expires_at if status == "pending" else None,
                accepted_at=engagement.accepted_at,
                closed_at=engagement.closed_at,
                your_sides=sorted(sides),
                buyer=_party(
                    organizations[engagement.buyer_organization_id],
                    contact="buyer" in sides or revealed,
                    on=on,
                ),
                seller=_party(
                    organizations[engagement.seller_organization_id],
                    contact="seller" in sides or revealed,
                    on=on,
                ),
                history=[_event(event) for event in events[engagement.id]],
                created_at=engagement.created_at,
                updated_at=engagement.updated_at,
            )
        )
    return out


def _party(organization: PartyRecord, *, contact: bool, on: date) -> PartyOut:
    return PartyOut(
        organization_id=organization.id,
        partner_id=organization.partner_id,
        name=organization.name,
        region=organization.region,
        certifications=organization.valid_certifications(on),
        contact=contact_of(organization) if contact else None,
        erased=organization.erased_at is not None,
    )


def _event(event: Any) -> EventOut:
    """A history row (``EngagementRepository.events_of``)."""
    return EventOut(
        from_status=as_status(event.from_status) if event.from_status else None,
        to_status=as_status(event.to_status),
        actor=event.actor_kind,
        note=event.note,
        at=event.created_at,
    )


def message_view(message: EngagementMessage) -> MessageOut:
    return MessageOut.model_validate(message)
