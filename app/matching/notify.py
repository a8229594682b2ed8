"""Tell every worker's matching index that the market changed, as soon as it commits.

The index follows the ``market_changes`` log, read every ``match_refresh_s`` and before
each match call. A commit that changed an organisation, offer, request or engagement
also sends the deployment's ``market`` notice (``app.core.notices``: a call in one
process, Redis pub/sub across workers and hosts), and every index that hears it catches
up at once. The notice carries nothing: the log stays the one source, so a lost notice
costs only the wait for the next poll.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import announce_after_commit
from app.core.notices import notices_of
from app.events.outbox import ResourceChanged, ResourcesChanged

MARKET_CHANGED = "market"
MARKET_KINDS = ("organization.", "offer.", "request.", "engagement.")
_ANNOUNCING = "capmatch.market_announcing"


async def announce_market_change(
    session: AsyncSession, change: ResourceChanged | ResourcesChanged
) -> None:
    """Subscriber of the changes the outbox records (not of the rows it writes: the notice
    is the matching engine's, and must not hang on the outbox): one notice per
    transaction, after it commits."""
    changes = change.changes if isinstance(change, ResourcesChanged) else (change,)
    if session.info.get(_ANNOUNCING) or not any(
        one.type.startswith(MARKET_KINDS) for one in changes
    ):
        return
    notices = notices_of(session)
    if notices is not None:
        session.info[_ANNOUNCING] = True

        async def announce() -> None:
            await notices.publish(MARKET_CHANGED)

        announce_after_commit(session, announce)
