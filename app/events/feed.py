"""The event feed: oldest first, and a cursor that never passes an event committed late.

A position is (transaction id, seq). On PostgreSQL a page holds only events of
transactions older than every transaction still running (below the snapshot's xmin),
ordered by (txid, seq): an event whose transaction commits after a newer one's is
served once it has committed, never skipped. The price is that a long transaction
holds the feed back until it ends. On SQLite one writer at a time means events commit in
seq order; seq alone is the position (and is never reused: the table autoincrements).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core.errors import InvalidInput, NotFound
from app.core.txids import snapshot_xmin_and_own_txid, tracks_transactions
from app.events import repository
from app.events.schemas import EventOut, EventPage
from app.models import Event

START = (0, 0)
MAX_TYPES = 50


class EventNotFound(NotFound):
    pass


@dataclass(frozen=True, slots=True)
class TypeFilter:
    exact: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()


def encode_position(position: tuple[int, int]) -> str:
    raw = json.dumps({"t": position[0], "s": position[1]}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_position(cursor: str) -> tuple[int, int]:
    try:
        payload = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        txid, seq = payload["t"], payload["s"]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise InvalidInput.at("after", "not a cursor returned by this API") from exc
    if not all(
        isinstance(part, int) and not isinstance(part, bool) and part >= 0 for part in (txid, seq)
    ):
        raise InvalidInput.at("after", "not a cursor returned by this API")
    return int(txid), int(seq)


def parse_types(types: str | None) -> TypeFilter:
    """``offer.created,match.*``: exact types and ``prefix.*``; ``*`` (or nothing) is all."""
    if not types:
        return TypeFilter()
    names = [name.strip() for name in types.split(",") if name.strip()]
    if len(names) > MAX_TYPES:
        raise InvalidInput.at("types", f"at most {MAX_TYPES} types")
    if "*" in names:
        return TypeFilter()
    exact = tuple(name for name in names if not name.endswith(".*"))
    prefixes = tuple(name[:-1] for name in names if name.endswith(".*"))
    return TypeFilter(exact=exact, prefixes=prefixes)


def _position(event: Event) -> tuple[int, int]:
    return (event.txid or 0, event.seq)


def _audience(principal: Principal) -> tuple[str | None, str | None]:
    if principal.is_admin:
        return None, None
    if principal.kind == "organization":
        return principal.partner_id, principal.organization_id
    return principal.partner_id, None


async def read_page(
    session: AsyncSession,
    *,
    principal: Principal,
    after: str | None,
    types: TypeFilter,
    limit: int,
) -> EventPage:
    position = decode_position(after) if after else START
    below, own = None, None
    if tracks_transactions(session):
        below, own = await snapshot_xmin_and_own_txid(session)
    partner_id, organization_id = _audience(principal)
    events = await repository.feed_page(
        session,
        after=position,
        below_txid=below,
        own_txid=own,
        partner_id=partner_id,
        organization_id=organization_id,
        exact_types=types.exact,
        type_prefixes=types.prefixes,
        limit=limit + 1,
    )
    page = list(events[:limit])
    last = _position(page[-1]) if page else position
    return EventPage(
        data=[EventOut.model_validate(event) for event in page],
        has_more=len(events) > limit,
        next_cursor=encode_position(last),
    )


async def read_event(session: AsyncSession, *, principal: Principal, event_id: str) -> EventOut:
    partner_id, organization_id = _audience(principal)
    event = await repository.visible_event(
        session, event_id, partner_id=partner_id, organization_id=organization_id
    )
    if event is None:
        raise EventNotFound(f"Event {event_id} not found.")
    return EventOut.model_validate(event)
