"""SQL of engagements and of the capacity counters they move on offers.

Lock order, everywhere: engagement rows, then the offer row, then the request row.
Keeping one order means two transactions can wait for each other but never
deadlock. Counters change only by conditional or relative UPDATEs, and the
offers table's CHECK (reserved + held <= total) refuses any overbooking that
slipped past them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import and_, false, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from app.core.ids import new_id
from app.core.pagination import PageParams, paginate
from app.core.security import Principal
from app.engagements.rules import CapacityChange
from app.models import Engagement, EngagementEvent, EngagementMessage, Offer


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

    # --- capacity -------------------------------------------------------------

    async def hold(self, offer_id: str, quantity: int, *, on: date, now: datetime) -> bool:
        """Add a hold if the offer is active and has the units left; False otherwise.

        One conditional UPDATE: on PostgreSQL concurrent holds queue on the row lock and
        each re-checks the condition against the row as the one before it left it.
        """
        result = await self.session.execute(
            update(Offer)
            .where(
                Offer.id == offer_id,
                Offer.status == "active",
                Offer.available_until >= on,
                Offer.reserved_quantity + Offer.held_quantity + quantity <= Offer.total_quantity,
            )
            .values(
                held_quantity=Offer.held_quantity + quantity,
                version=Offer.version + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def move(self, offer_id: str, change: CapacityChange, *, now: datetime) -> None:
        """Apply a transition's change to the offer's counters."""
        if not (change.held or change.reserved):
            return
        await self.session.execute(
            update(Offer)
            .where(Offer.id == offer_id)
            .values(
                held_quantity=Offer.held_quantity + change.held,
                reserved_quantity=Offer.reserved_quantity + change.reserved,
                version=Offer.version + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )

    async def remaining(self, offer_id: str) -> int:
        row = (
            await self.session.execute(
                select(Offer.total_quantity - Offer.reserved_quantity - Offer.held_quantity).where(
                    Offer.id == offer_id
                )
            )
        ).scalar_one()
        return int(row)

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

    async def lapsed_holds(self, offer_ids: Sequence[str], now: datetime) -> dict[str, int]:
        """Per offer, units of pending holds past their expiry that no sweep has freed."""
        if not offer_ids:
            return {}
        rows = await self.session.execute(
            select(Engagement.offer_id, func.sum(Engagement.quantity))
            .where(
                Engagement.offer_id.in_(offer_ids),
                Engagement.status == "pending",
                Engagement.expires_at <= now,
            )
            .group_by(Engagement.offer_id)
        )
        return {offer_id: int(units) for offer_id, units in rows}

    async def expire_lapsed(
        self, *, now: datetime, offer_id: str | None = None, batch: int = 500
    ) -> int:
        """Expire pending holds past ``expires_at`` and give their units back.

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
        rows = (await self.session.execute(statement)).all()
        if not rows:
            return 0
        await self.session.execute(
            update(Engagement)
            .where(Engagement.id.in_([row.id for row in rows]))
            .values(status="expired", closed_at=now, updated_at=now, version=Engagement.version + 1)
            .execution_options(synchronize_session=False)
        )
        released: dict[str, int] = {}
        for row in rows:
            released[row.offer_id] = released.get(row.offer_id, 0) + row.quantity
        for lapsed_offer in sorted(released):
            await self.move(lapsed_offer, CapacityChange(held=-released[lapsed_offer]), now=now)
        for row in rows:
            await self.record(
                row.id,
                from_status="pending",
                to_status="expired",
                actor_kind="system",
                principal=None,
                actor_organization_id=None,
                note="the hold lapsed",
                now=now,
            )
        await self.session.flush()
        return len(rows)

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
