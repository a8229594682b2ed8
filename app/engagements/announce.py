"""What the outbox hears of engagements: one event per engagement and change, with the
engagement as GET shows it to an outsider (no ``your_sides``; contacts only once
accepted), concerning both sides: the buyer owns it, the seller is its counterpart."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core.events import publish
from app.engagements.events import EngagementsChanged
from app.engagements.repository import EngagementRepository
from app.engagements.views import engagement_views
from app.events.outbox import SYSTEM, Party, ResourceChanged

# A viewer who is neither side: the body both sides (and their webhooks) receive.
OUTSIDER = Principal(kind="organization", key_id="outbox")


async def announce(session: AsyncSession, change: EngagementsChanged) -> None:
    repository = EngagementRepository(session)
    if change.session_current:
        engagements = await repository.in_session(change.engagement_ids)
    else:
        engagements = await repository.current(change.engagement_ids)
    views = await engagement_views(session, OUTSIDER, engagements)
    for engagement, view in zip(engagements, views, strict=True):
        await publish(
            session,
            ResourceChanged(
                type=change.type,
                object=view.model_dump(mode="json"),
                owner=Party(engagement.buyer_partner_id, engagement.buyer_organization_id),
                counterpart=Party(engagement.seller_partner_id, engagement.seller_organization_id),
                # A lapsed hold expires by the clock, whoever's request noticed it.
                actor=SYSTEM if change.type == "engagement.expired" else None,
            ),
        )
