"""Every SQL statement of the outbox and the event feed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, insert, literal_column
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import tracks_transactions
from app.models import Event

# PostgreSQL: the id of the writing transaction (see app/models/event.py).
_CURRENT_TXID = literal_column("pg_current_xact_id()::text::bigint", BigInteger())


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
) -> int:
    """Insert one event row; its ``seq``."""
    counterpart_partner, counterpart_organization = counterpart or (None, None)
    statement = (
        insert(Event)
        .values(
            id=event_id,
            type=type,
            txid=_CURRENT_TXID if tracks_transactions(session) else None,
            partner_id=owner[0],
            organization_id=owner[1],
            counterpart_partner_id=counterpart_partner,
            counterpart_organization_id=counterpart_organization,
            actor=actor,
            data=data,
            created_at=created_at,
        )
        .returning(Event.seq)
    )
    seq = await session.scalar(statement)
    assert seq is not None
    return int(seq)
