"""Every SQL statement of webhooks: endpoints, deliveries, and the worker's claims."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.pagination import PageParams, paginate
from app.models import WebhookDelivery, WebhookEndpoint


class EndpointRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, endpoint_id: str) -> WebhookEndpoint | None:
        return await self.session.get(WebhookEndpoint, endpoint_id)

    async def add(self, endpoint: WebhookEndpoint) -> None:
        self.session.add(endpoint)
        await self.session.flush()

    async def delete(self, endpoint: WebhookEndpoint) -> None:
        # Deliveries go first: SQLite enforces ON DELETE CASCADE, but the ORM must not
        # keep stale delivery rows in the session either.
        await self.session.execute(
            delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
        )
        await self.session.delete(endpoint)
        await self.session.flush()

    async def list_page(
        self, *, partner_id: str, organization_id: str | None, page: PageParams
    ) -> Sequence[WebhookEndpoint]:
        statement = select(WebhookEndpoint).where(WebhookEndpoint.partner_id == partner_id)
        if organization_id is not None:
            statement = statement.where(WebhookEndpoint.organization_id == organization_id)
        found = await self.session.execute(paginate(statement, WebhookEndpoint.id, page))
        return found.scalars().all()

    async def partners_with_enabled_endpoints(self) -> Sequence[str]:
        found = await self.session.execute(
            select(WebhookEndpoint.partner_id).where(WebhookEndpoint.status == "enabled").distinct()
        )
        return found.scalars().all()

    async def enabled_of_partners(self, partner_ids: Sequence[str]) -> Sequence[Any]:
        """Id, owner and event types of the enabled endpoints of these partners and of their
        members: plain rows, as every write runs this (no ORM objects to build and track)."""
        found = await self.session.execute(
            select(
                WebhookEndpoint.id,
                WebhookEndpoint.partner_id,
                WebhookEndpoint.organization_id,
                WebhookEndpoint.event_types,
            ).where(
                WebhookEndpoint.partner_id.in_(partner_ids), WebhookEndpoint.status == "enabled"
            )
        )
        return found.all()

    async def for_update(self, endpoint_ids: Sequence[str]) -> dict[str, WebhookEndpoint]:
        found = await self.session.execute(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.id.in_(endpoint_ids))
            .order_by(WebhookEndpoint.id)
            # FOR NO KEY UPDATE: the fan-out's inserts of deliveries (FOR KEY SHARE on
            # their endpoint) need not wait for it.
            .with_for_update(key_share=True)
        )
        return {endpoint.id: endpoint for endpoint in found.scalars()}


async def deliveries_mentioning(session: AsyncSession, text: str) -> Sequence[WebhookDelivery]:
    """Deliveries whose payload holds ``text`` (an id) anywhere."""
    statement = select(WebhookDelivery).where(WebhookDelivery.payload.contains(text))
    return (await session.scalars(statement)).all()


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_all(self, deliveries: Sequence[WebhookDelivery]) -> None:
        self.session.add_all(deliveries)
        await self.session.flush()

    async def get(self, *, endpoint_id: str, delivery_id: str) -> WebhookDelivery | None:
        delivery = await self.session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.endpoint_id != endpoint_id:
            return None
        return delivery

    async def list_page(self, *, endpoint_id: str, page: PageParams) -> Sequence[WebhookDelivery]:
        statement = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
        found = await self.session.execute(paginate(statement, WebhookDelivery.id, page))
        return found.scalars().all()

    async def claim(
        self, *, worker: str, now: datetime, lease_until: datetime, limit: int
    ) -> Sequence[WebhookDelivery]:
        """Take up to ``limit`` due deliveries of enabled endpoints for ``worker``.

        PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so workers claiming at the same time take
        different rows; SQLite: the transaction holds the one write lock already. A row
        whose lease has not ended belongs to another worker and is not due.
        """
        due = (
            select(WebhookDelivery.id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(
                WebhookDelivery.status == "pending",
                WebhookDelivery.next_attempt_at <= now,
                or_(
                    WebhookDelivery.claim_expires_at.is_(None),
                    WebhookDelivery.claim_expires_at <= now,
                ),
                WebhookEndpoint.status == "enabled",
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
            .with_for_update(of=WebhookDelivery, skip_locked=True)
        )
        ids = list((await self.session.scalars(due)).all())
        if not ids:
            return []
        await self.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(ids))
            .values(claimed_by=worker, claim_expires_at=lease_until)
            .execution_options(synchronize_session=False)
        )
        found = await self.session.execute(
            select(WebhookDelivery)
            .where(WebhookDelivery.id.in_(ids))
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .execution_options(populate_existing=True)
        )
        return found.scalars().all()

    async def claimed(self, *, worker: str, ids: Sequence[str]) -> Sequence[WebhookDelivery]:
        """The deliveries among ``ids`` that ``worker`` still holds (a lease may have been
        lost to another worker meanwhile), locked for the outcome's update."""
        found = await self.session.execute(
            select(WebhookDelivery)
            .where(WebhookDelivery.id.in_(ids), WebhookDelivery.claimed_by == worker)
            .order_by(WebhookDelivery.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return found.scalars().all()

    async def oldest_due(self, *, now: datetime) -> datetime | None:
        """When the longest-waiting due delivery became due (the delivery lag)."""
        oldest: datetime | None = await self.session.scalar(
            select(func.min(WebhookDelivery.next_attempt_at))
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(
                and_(
                    WebhookDelivery.status == "pending",
                    WebhookDelivery.next_attempt_at <= now,
                    WebhookEndpoint.status == "enabled",
                )
            )
        )
        return oldest
