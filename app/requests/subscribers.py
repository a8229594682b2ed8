"""How requests react to what happens elsewhere (registered by ``create_app``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.events import publish, subscribe
from app.organizations.events import OrganizationClosed
from app.requests.announce import announce_ids
from app.requests.events import RequestsClosed
from app.requests.repository import RequestRepository


async def cancel_requests_of_closed_organization(
    session: AsyncSession, event: OrganizationClosed
) -> None:
    cancelled = await RequestRepository(session).cancel_all_of_organization(
        event.organization_id, now=event.closed_at
    )
    if cancelled:
        await publish(session, RequestsClosed(request_ids=tuple(cancelled), status="cancelled"))
        await announce_ids(session, cancelled, "request.closed")


def register() -> None:
    subscribe(OrganizationClosed, cancel_requests_of_closed_organization)
