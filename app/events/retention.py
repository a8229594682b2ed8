"""Events are kept ``CAPMATCH_EVENT_RETENTION_DAYS`` (at least 30), then forgotten."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dates import utcnow
from app.events import repository


async def purge_events(session: AsyncSession, *, older_than: timedelta) -> int:
    """Delete the events created more than ``older_than`` ago; how many."""
    return await repository.purge_events(session, before=utcnow() - older_than)
