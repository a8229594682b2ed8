"""Every SQL statement about engagements, their history and their messages.

The capacity they hold and reserve is counted on the offer, by the offers service.
Lock order, everywhere: the request row, then offer rows, then engagement rows (see
``app.offers.repository``). So a statement here that locks or updates engagement rows
runs only once their offers are locked.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Row,
    Table,
    and_,
    bindparam,
    case,
    false,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from app.auth.principal import Principal
from app.core import driver
from app.core.driver import Prepared
from app.core.ids import new_id
from app.core.pagination import PageParams, paginate
from app.core.sql import id_chunks
from app.models import Engagement, EngagementEvent, EngagementMessage

_ENGAGEMENTS = cast(Table, Engagement.__table__)


def _engaging_rows(now: Any) -> ColumnElement[bool]:
    """Engagements that take units from their request: live pending holds, accepted and
    fulfilled work (``now`` a value or a bound parameter)."""
    status = _ENGAGEMENTS.c.status
    return or_(
        status == "accepted",
        status == "fulfilled",
        and_(status == "pending", _ENGAGEMENTS.c.expires_at > now),
    )


def _units_where(*conditions: ColumnElement[bool]) -> Prepared:
    total = func.coalesce(func.sum(_ENGAGEMENTS.c.quantity), 0).label("units")
    return Prepared(select(total).where(*conditions))


# The two sums every hold reads, built once and sent on the driver.
_ENGAGED_FOR_REQUEST = _units_where(
    _ENGAGEMENTS.c.request_id == bindparam("request_id"), _engaging_rows(bindparam("now"))
)
_HELD_BY_BUYER = _units_where(
    _ENGAGEMENTS.c.offer_id == bindparam("offer_id"),
    _ENGAGEMENTS.c.buyer_organization_id == bindparam("buyer_organization_id"),
    _ENGAGEMENTS.c.status == "pending",
    _ENGAGEMENTS.c.expires_at > bindparam("now"),
)


_HISTORY = cast(Table, EngagementEvent.__table__)
_HISTORY_OF_ONE = Prepared(
    select(_HISTORY)
    .where(_HISTORY.c.engagement_id == bindparam("engagement_id"))
    .order_by(_HISTORY.c.id)
)


async def _units(session: AsyncSession, prepared: Prepared, parameters: dict[str, Any]) -> int:
    row = await driver.fetch_one(session, prepared, parameters)
    return int(row.units) if row is not None else 0


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


async def erase_texts_of(session: AsyncSession, organization_id: str) -> tuple[int, int]:
    """Empty the messages and clear the notes ``organization_id`` wrote; how many of each."""
    messages = await session.execute(
        update(EngagementMessage)
        .where(
            EngagementMessage.author_organization_id == organization_id,
            EngagementMessage.text != "",
        )
        .values(text="")
    )
    notes = await session.execute(
        update(EngagementEvent)
        .where(
            EngagementEvent.actor_organization_id == organization_id,
            EngagementEvent.note.is_not(None),
        )
        .values(note=None)
    )
    return (
        int(getattr(messages, "rowcount", 0) or 0),
        int(getattr(notes, "rowcount", 0) or 0),
    )


class EngagementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def current(self, engagement_ids: Iterable[str]) -> Sequence[Engagement]:
        """These engagements as the database has them now (also after set-based updates)."""
        statement = (
            select(Engagement)
            .where(Engagement.id.in_(list(engagement_ids)))
            .order_by(Engagement.id)
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(statement)).all()

    async def in_session(self, engagement_ids: Iterable[str]) -> Sequence[Engagement]:
        """These engagements as the session holds them (read only where it holds none)."""
        found = [await self.session.get(Engagement, i) for i in sorted(engagement_ids)]
        return [engagement for engagement in found if engagement is not None]

    async def get_for_party(self, engagement_id: str, principal: Principal) -> Engagement | None:
        statement = select(Engagement).where(
            Engagement.id == engagement_id, party_clause(principal)
        )
        found: Engagement | None = (await self.session.execute(statement)).scalar_one_or_none()
        return found

    async def lock(self, engagement_id: str) -> Engagement:
        """The engagement read again with its row locked (its offer is locked already)."""
        statement = (
            select(Engagement)
            .where(Engagement.id == engagement_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        found: Engagement = (await self.session.execute(statement)).scalar_one()
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

    async def record_system(
        self, transitions: Iterable[tuple[str, str, str]], *, from_status: str, now: datetime
    ) -> None:
        """History rows of transitions the system made: (engagement id, to status, note)."""
        rows = [
            {
                "id": new_id("eev"),
                "engagement_id": engagement_id,
                "from_status": from_status,
                "to_status": to_status,
                "actor_kind": "system",
                "actor_organization_id": None,
                "actor_key_id": None,
                "note": note,
                "created_at": now,
            }
            for engagement_id, to_status, note in transitions
        ]
        if rows:
            await self.session.execute(insert(EngagementEvent), rows)

    async def events_of(self, engagement_ids: Sequence[str]) -> dict[str, list[Any]]:
        """The history of each engagement, oldest first: plain rows with the columns of
        ``EngagementEvent``. One engagement's (a hold, an answer) is read on the driver."""
        if not engagement_ids:
            return {}
        if len(engagement_ids) == 1:
            (engagement_id,) = engagement_ids
            rows = await driver.fetch_all(
                self.session, _HISTORY_OF_ONE, {"engagement_id": engagement_id}
            )
            return {engagement_id: rows}
        found = await self.session.execute(
            select(_HISTORY)
            .where(_HISTORY.c.engagement_id.in_(engagement_ids))
            .order_by(_HISTORY.c.engagement_id, _HISTORY.c.id)
        )
        events: dict[str, list[Any]] = {i: [] for i in engagement_ids}
        for event in found:
            events[event.engagement_id].append(event)
        return events

    async def held_by_buyer(self, offer_id: str, buyer_organization_id: str, now: datetime) -> int:
        parameters = {
            "offer_id": offer_id,
            "buyer_organization_id": buyer_organization_id,
            "now": now,
        }
        return await _units(self.session, _HELD_BY_BUYER, parameters)

    async def accepted_for_request(self, request_id: str) -> int:
        total = await self.session.scalar(
            select(func.coalesce(func.sum(Engagement.quantity), 0)).where(
                Engagement.request_id == request_id,
                Engagement.status.in_(("accepted", "fulfilled")),
            )
        )
        return int(total or 0)

    async def engaged_for_request(self, request_id: str, now: datetime) -> int:
        """Units the request has engaged: live pending holds, accepted and fulfilled work."""
        parameters = {"request_id": request_id, "now": now}
        return await _units(self.session, _ENGAGED_FOR_REQUEST, parameters)

    async def engaged_by_request(
        self, now: datetime, request_ids: Collection[str] | None = None
    ) -> dict[str, int]:
        """``engaged_for_request`` of every request (or of these) that has engaged units."""
        chunks = [None] if request_ids is None else list(id_chunks(sorted(request_ids)))
        found: dict[str, int] = {}
        for chunk in chunks:
            statement = select(Engagement.request_id, func.sum(Engagement.quantity)).where(
                _engaging_rows(now)
            )
            if chunk is not None:
                statement = statement.where(Engagement.request_id.in_(chunk))
            rows = await self.session.execute(statement.group_by(Engagement.request_id))
            found.update((request_id, int(units)) for request_id, units in rows)
        return found

    async def pending_by_buyer(
        self, buyer_ids: Collection[str], now: datetime
    ) -> dict[tuple[str, str], int]:
        """Units of live pending holds per (offer, buyer organisation)."""
        found: dict[tuple[str, str], int] = {}
        for chunk in id_chunks(sorted(buyer_ids)):
            rows = await self.session.execute(
                select(
                    Engagement.offer_id,
                    Engagement.buyer_organization_id,
                    func.sum(Engagement.quantity),
                )
                .where(
                    Engagement.buyer_organization_id.in_(chunk),
                    Engagement.status == "pending",
                    Engagement.expires_at > now,
                )
                .group_by(Engagement.offer_id, Engagement.buyer_organization_id)
            )
            found.update(((offer, buyer), int(units)) for offer, buyer, units in rows)
        return found

    async def offers_held_for(self, request_ids: Sequence[str]) -> list[str]:
        """Offers on which these requests have pending engagements (lapsed ones too)."""
        rows = await self.session.scalars(
            select(Engagement.offer_id)
            .where(Engagement.request_id.in_(request_ids), Engagement.status == "pending")
            .distinct()
        )
        return sorted(rows)

    async def offers_with_lapsed_holds(self, now: datetime, *, limit: int) -> list[str]:
        """Up to ``limit`` offers, by id, that have pending holds past their expiry."""
        rows = await self.session.scalars(
            select(Engagement.offer_id)
            .where(Engagement.status == "pending", Engagement.expires_at <= now)
            .distinct()
            .order_by(Engagement.offer_id)
            .limit(limit)
        )
        return list(rows)

    async def close_pending(
        self,
        *,
        now: datetime,
        offer_ids: Sequence[str] = (),
        request_ids: Sequence[str] = (),
        lapsed_only: bool = False,
    ) -> list[Row[str, str, int, str]]:
        """Close the pending engagements of these offers or requests in one statement: a
        hold past its expiry reads ``expired``, a live one ``cancelled``.

        (id, offer_id, quantity, new status) of each, by id. The offers must be locked
        already (lock order); no ORM objects are loaded or refreshed.
        """
        scope: list[ColumnElement[bool]] = []
        if offer_ids:
            scope.append(Engagement.offer_id.in_(offer_ids))
        if request_ids:
            scope.append(Engagement.request_id.in_(request_ids))
        if not scope:
            return []
        conditions = [Engagement.status == "pending", or_(*scope)]
        if lapsed_only:
            conditions.append(Engagement.expires_at <= now)
        result = await self.session.execute(
            update(Engagement)
            .where(*conditions)
            .values(
                status=case((Engagement.expires_at <= now, "expired"), else_="cancelled"),
                closed_at=now,
                updated_at=now,
                version=Engagement.version + 1,
            )
            .returning(Engagement.id, Engagement.offer_id, Engagement.quantity, Engagement.status)
            .execution_options(synchronize_session=False)
        )
        return sorted(result.all(), key=lambda row: row.id)

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
