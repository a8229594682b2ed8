"""What the situation picture reads besides the matching index: the units each open
request already has in live holds and accepted or fulfilled engagements."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Engagement

# Units an engagement takes from its request: held (a pending hold not yet lapsed),
# accepted, or delivered.
_TAKING = ("accepted", "fulfilled")


class AnalyticsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def engaged_units(self, *, now: datetime) -> dict[str, int]:
        """Request id -> units engaged, for the requests that have any."""
        taking = or_(
            Engagement.status.in_(_TAKING),
            and_(Engagement.status == "pending", Engagement.expires_at > now),
        )
        statement = (
            select(Engagement.request_id, func.sum(Engagement.quantity))
            .where(taking)
            .group_by(Engagement.request_id)
        )
        rows = (await self.session.execute(statement)).all()
        return {request_id: int(units) for request_id, units in rows}
