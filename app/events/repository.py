"""Every SQL statement of the outbox and the event feed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Table,
    bindparam,
    delete,
    insert,
    literal_column,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import driver
from app.core.bulk import insert_rows
from app.core.driver import Prepared
from app.core.txids import tracks_transactions
from app.models import Event

# PostgreSQL: the id of the writing transaction (see app/models/event.py).
_CURRENT_TXID = literal_column("pg_current_xact_id()::text::bigint", BigInteger())


# Built once: every write pays for this statement, so it runs as a prepared statement on
# the driver (app/core/driver.py), not an ORM insert built and keyed anew per call (which
# cost a write about as much as the insert's round trip; bench/events.py).
_EVENTS = cast(Table, Event.__table__)
_COLUMNS = (
    "id",
    "type",
    "partner_id",
    "organization_id",
    "counterpart_partner_id",
    "counterpart_organization_id",
    "actor",
    "data",
    "created_at",
)
_BOUND: dict[str, Any] = {name: bindparam(name) for name in _COLUMNS}
_APPEND = Prepared(insert(_EVENTS).inline().values(_BOUND))
_APPEND_TRACKED = Prepared(insert(_EVENTS).inline().values({**_BOUND, "txid": _CURRENT_TXID}))


async def append(
    session: AsyncSession,
    *,
    event_id: str,
    type: str,
    owner: tuple[str, str | None],
    counterpart: tuple[str, str | None] | None,
    actor: dict[str, Any],
    data: dict[str, Any],
    created_at: datetime,
) -> None:
    """Insert one event row in the session's transaction (no RETURNING)."""
    await driver.execute(
        session,
        _APPEND_TRACKED if tracks_transactions(session) else _APPEND,
        _values(event_id, type, owner, counterpart, actor, data, created_at),
    )


async def append_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert event rows (``append``'s keyword arguments each) in one bulk write."""
    if not rows:
        return
    values = [_values(**row) for row in rows]
    if tracks_transactions(session):
        txid = await session.scalar(select(_CURRENT_TXID))
        for value in values:
            value["txid"] = txid
    await insert_rows(session, _EVENTS, values)


def _values(
    event_id: str,
    type: str,
    owner: tuple[str, str | None],
    counterpart: tuple[str, str | None] | None,
    actor: dict[str, Any],
    data: dict[str, Any],
    created_at: datetime,
) -> dict[str, Any]:
    counterpart_partner, counterpart_organization = counterpart or (None, None)
    return {
        "id": event_id,
        "type": type,
        "partner_id": owner[0],
        "organization_id": owner[1],
        "counterpart_partner_id": counterpart_partner,
        "counterpart_organization_id": counterpart_organization,
        "actor": actor,
        "data": data,
        "created_at": created_at,
    }


def _visible_to(partner_id: str | None, organization_id: str | None) -> ColumnElement[bool] | None:
    """Events a caller may see: an organisation its own, a partner its members', the admin
    (neither given) all. An engagement's event concerns both sides."""
    sides = _sides(partner_id, organization_id)
    if sides is None:
        return None
    (owner, counterpart), value = sides
    return or_(owner == value, counterpart == value)


def _sides(
    partner_id: str | None, organization_id: str | None
) -> tuple[tuple[Any, Any], str] | None:
    """(owner column, counterpart column) to compare with the caller's id, and that id."""
    if organization_id is not None:
        return (Event.organization_id, Event.counterpart_organization_id), organization_id
    if partner_id is not None:
        return (Event.partner_id, Event.counterpart_partner_id), partner_id
    return None


def _of_types(exact: Sequence[str], prefixes: Sequence[str]) -> ColumnElement[bool] | None:
    conditions: list[ColumnElement[bool]] = []
    if exact:
        conditions.append(Event.type.in_(exact))
    conditions.extend(Event.type.startswith(prefix, autoescape=True) for prefix in prefixes)
    return or_(*conditions) if conditions else None


async def feed_page(
    session: AsyncSession,
    *,
    after: tuple[int, int],
    below_txid: int | None,
    own_txid: int | None = None,
    partner_id: str | None,
    organization_id: str | None,
    exact_types: Sequence[str],
    type_prefixes: Sequence[str],
    limit: int,
) -> Sequence[Event]:
    """Up to ``limit`` events after the position ``after`` = (txid, seq), oldest first.

    PostgreSQL (``below_txid`` given): only events of transactions below it (and of the
    reader's own, ``own_txid``, as a transaction sees its own writes), ordered by (txid,
    seq); a caller's events are read as two ordered index ranges (as owner, as
    counterpart) merged, rather than one OR that would sort every event of the caller.
    SQLite: by seq, which is commit order with one writer.
    """
    types = _of_types(exact_types, type_prefixes)
    if below_txid is None:
        statement = select(Event).where(Event.seq > after[1]).order_by(Event.seq)
        for condition in (_visible_to(partner_id, organization_id), types):
            if condition is not None:
                statement = statement.where(condition)
        return (await session.scalars(statement.limit(limit))).all()
    settled = Event.txid < below_txid
    common = [
        settled if own_txid is None else or_(settled, Event.txid == own_txid),
        tuple_(Event.txid, Event.seq) > tuple_(*after),
    ]
    if types is not None:
        common.append(types)
    sides = _sides(partner_id, organization_id)
    if sides is None:
        statement = select(Event).where(*common).order_by(Event.txid, Event.seq)
        return (await session.scalars(statement.limit(limit))).all()
    (owner, counterpart), value = sides
    as_owner = select(Event.seq, Event.txid).where(owner == value, *common)
    # Both sides one's own: listed once, as owner.
    as_counterpart = select(Event.seq, Event.txid).where(
        counterpart == value, or_(owner.is_(None), owner != value), *common
    )
    merged = union_all(
        *(
            branch.order_by(Event.txid, Event.seq).limit(limit).subquery().select()
            for branch in (as_owner, as_counterpart)
        )
    ).subquery()
    statement = (
        select(Event)
        .join(merged, Event.seq == merged.c.seq)
        .order_by(merged.c.txid, merged.c.seq)
        .limit(limit)
    )
    return (await session.scalars(statement)).all()


async def visible_event(
    session: AsyncSession, event_id: str, *, partner_id: str | None, organization_id: str | None
) -> Event | None:
    statement = select(Event).where(Event.id == event_id)
    condition = _visible_to(partner_id, organization_id)
    if condition is not None:
        statement = statement.where(condition)
    return await session.scalar(statement)


async def purge_events(session: AsyncSession, *, before: datetime) -> int:
    """Forget events created before ``before``; how many."""
    result = await session.execute(delete(Event).where(Event.created_at < before))
    return int(getattr(result, "rowcount", 0) or 0)


async def events_concerning(session: AsyncSession, organization_id: str) -> Sequence[Event]:
    """Every stored event about ``organization_id``, as its owner or the counterpart."""
    statement = select(Event).where(
        or_(
            Event.organization_id == organization_id,
            Event.counterpart_organization_id == organization_id,
        )
    )
    return (await session.scalars(statement)).all()
