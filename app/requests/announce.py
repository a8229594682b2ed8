"""What the outbox hears of requests: ``request.created|updated|closed`` with the request
as GET shows it (``app.events.outbox``); closed means cancelled or fulfilled."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dates import today
from app.events.outbox import Party, ResourceChanged, publish_changes
from app.models import CapacityRequest
from app.requests.repository import RequestRepository
from app.requests.schemas import RequestOut


async def announce(session: AsyncSession, requests: Sequence[CapacityRequest], type: str) -> None:
    on = today()
    await publish_changes(
        session,
        [
            ResourceChanged(
                type=type,
                object=RequestOut.of(request, on=on).model_dump(mode="json"),
                owner=Party(request.partner_id, request.organization_id),
            )
            for request in requests
        ],
    )


async def announce_ids(session: AsyncSession, request_ids: Collection[str], type: str) -> None:
    """As ``announce``, for requests changed by set-based statements (read back first)."""
    if request_ids:
        await announce(session, await RequestRepository(session).current(request_ids), type)
