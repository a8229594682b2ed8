"""Every SQL statement about engagements, their history and their messages.

The capacity they hold and reserve is counted on the offer, by the offers service.
Lock order, everywhere: engagement rows, then the offer row, then the request row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Row, and_, false, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from app.auth.principal import Principal
from app.core.ids import new_id
from app.core.pagination import PageParams, paginate
from app.models import Engagement, EngagementEvent, EngagementMessage


def party_clause(principal: Principal) -> ColumnElement[bool]:
    """Engagements the caller is party to (the operator sees all)."""
    if principal.is_admin:
        return true()
    if principal.kind == "partner":
        return or_(
            Engagement.buyer_partner_id == principal.partner_id,
            Engagement.seller_partner_id == principal.partner_id,
        )
    if principal.kind == "organization":
        return or_(
            Engagement.buyer_organization_id == principal.organization_id,
            Engagement.seller_organization_id == principal.organization_id,
        )
    return false()


class EngagementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_for_party(
        self, engagement_id: str, principal: Principal, *, for_update: bool = False
    ) -> Engagement | None:
        statement = select(Engagement).where(
            Engagement.id == engagement_id, party_clause(principal)
        )
        if for_update:
            statement = statement.with_for_update()
        found: Engagement | None = (await self.session.execute(statement)).scalar_one_or_none()
        return found

    async def list_page(
        self,
        principal: Principal,
        page: PageParams,
        *,
        conditions: Iterable[ColumnElement[bool]],
    ) -> Sequence[Engagement]:
        statement = select(Engagement).where(party_clause(principal), *conditions)
        statement = paginate(statement, Engagement.id, page)
        return (await self.session.execute(statement)).scalars().all()

    async def add(self, engagement: Engagement) -> Engagement:
        self.session.add(engagement)
        await self.session.flush()
        return engagement

    async def record(
        self,
        engagement_id: str,
        *,
        from_status: str | None,
        to_status: str,
        actor_kind: str,
        principal: Principal | None,
        actor_organization_id: str | None,
        note: str | None,
        now: datetime,
    ) -> None:
        self.session.add(
            EngagementEvent(
                id=new_id("eev"),
                engagement_id=engagement_id,
                from_status=from_status,
                to_status=to_status,
                actor_kind=actor_kind,
                actor_organization_id=actor_organization_id,
                actor_key_id=principal.key_id if principal is not None else None,
                note=note,
                created_at=now,
            )
        )

    async def events_of(self, engagement_ids: Sequence[str]) -> dict[str, list[EngagementEvent]]:
        if not engagement_ids:
            return {}
        rows = await self.session.execute(
            select(EngagementEvent)
            .where(EngagementEvent.engagement_id.in_(engagement_ids))
            .order_by(EngagementEvent.engagement_id, EngagementEvent.id)
        )
        events: dict[str, list[EngagementEvent]] = {i: [] for i in engagement_ids}
        for event in rows.scalars():
            events[event.engagement_id].append(event)
        return events

    async def held_by_buyer(self, offer_id: str, buyer_organization_id: str, now: datetime) -> int:
        total = await self.session.scalar(
            select(func.coalesce(func.sum(Engagement.quantity), 0)).where(
                Engagement.offer_id == offer_id,
                Engagement.buyer_organization_id == buyer_organization_id,
                Engagement.status == "pending",
                Engagement.expires_at > now,
            )
        )
        return int(total or 0)

    async def accepted_for_request(self, request_id: str) -> int:
        total = await self.session.scalar(
            select(func.coalesce(func.sum(Engagement.quantity), 0)).where(
                Engagement.request_id == request_id,
                Engagement.status.in_(("accepted", "fulfilled")),
            )
        )
        return int(total or 0)

    async def lock_lapsed(
        self, *, now: datetime, offer_id: str | None, batch: int
    ) -> Sequence[Row[str, str, int]]:
        """(id, offer_id, quantity) of pending holds past ``expires_at``, locked.

        Rows another transaction has locked are skipped (it is accepting, declining
        or expiring them itself); they are picked up next time.
        """
        statement = (
            select(Engagement.id, Engagement.offer_id, Engagement.quantity)
            .where(Engagement.status == "pending", Engagement.expires_at <= now)
            .order_by(Engagement.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        if offer_id is not None:
            statement = statement.where(Engagement.offer_id == offer_id)
        return (await self.session.execute(statement)).all()

    async def set_status(
        self, engagement_ids: Sequence[str], status: str, *, now: datetime
    ) -> None:
        """Close these engagements in ``status`` (a relative version bump, no ORM load)."""
        await self.session.execute(
            update(Engagement)
            .where(Engagement.id.in_(engagement_ids))
            .values(status=status, closed_at=now, updated_at=now, version=Engagement.version + 1)
            .execution_options(synchronize_session=False)
        )

    # --- messages -------------------------------------------------------------

    async def add_message(self, message: EngagementMessage) -> EngagementMessage:
        self.session.add(message)
        await self.session.flush()
        return message

    async def messages_page(
        self, engagement_id: str, page: PageParams
    ) -> Sequence[EngagementMessage]:
        statement = select(EngagementMessage).where(
            EngagementMessage.engagement_id == engagement_id
        )
        return (
            (await self.session.execute(paginate(statement, EngagementMessage.id, page)))
            .scalars()
            .all()
        )


def status_conditions(statuses: Sequence[str], now: datetime) -> ColumnElement[bool] | None:
    """SQL for 'reads as one of ``statuses``' (a lapsed pending hold reads expired)."""
    clauses: list[ColumnElement[bool]] = []
    for status in statuses:
        if status == "pending":
            clauses.append(and_(Engagement.status == "pending", Engagement.expires_at > now))
        elif status == "expired":
            clauses.append(
                or_(
                    Engagement.status == "expired",
                    and_(Engagement.status == "pending", Engagement.expires_at <= now),
                )
            )
        else:
            clauses.append(Engagement.status == status)
    return or_(*clauses) if clauses else None
