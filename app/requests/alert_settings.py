"""A request's alert threshold on create.

``create_request`` (service.py) builds the row with the default threshold; a create
that names another one sets it here, before the response reads the ETag. Kept apart
from service.py so the alerts work merges without touching it; fold it into
``create_request`` once both are on main.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import CapacityRequest


async def set_alert_min_score(
    session: AsyncSession, request: CapacityRequest, alert_min_score: float
) -> None:
    if request.alert_min_score != alert_min_score:
        request.alert_min_score = alert_min_score
        await session.flush()
