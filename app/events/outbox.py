"""What the outbox records, and the subscriber that records it.

A domain that changes an organisation, offer, request or engagement publishes
``ResourceChanged`` (``app.core.events``) with the resource as its GET shows it; alerts
publish it too. ``record`` (subscribed at start-up) appends the event row on the same
session, so the event commits with the change or not at all, then publishes
``EventWritten`` for whoever reacts to stored events (webhook fan-out).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.auth.principal import acting_principal
from app.core.dates import utcnow
from app.core.erasure import PersonalDataErased, scrub
from app.core.events import Audited, DomainEvent, publish
from app.core.ids import new_id
from app.events import repository
from app.events.metrics import WRITTEN

ActorKind = Literal["admin", "partner", "organization", "system"]


@dataclass(frozen=True, slots=True)
class Party:
    """Who an event concerns: a partner and, when it is about a member, that member."""

    partner_id: str
    organization_id: str | None = None


@dataclass(frozen=True, slots=True)
class Actor:
    """Who caused a change: a key's kind and id (``system`` for the sweeper, alerts)."""

    kind: ActorKind
    id: str | None = None


SYSTEM = Actor("system")


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceChanged(DomainEvent):
    """A change the outbox records as one event of ``type`` (``offer.created``).

    ``object`` is JSON-ready: the resource as GET shows it, or an alert's payload.
    ``counterpart`` is the other side of an engagement, which sees the event too.
    """

    type: str
    object: Mapping[str, Any]
    owner: Party
    counterpart: Party | None = None
    # None: the caller of the request whose session this is, or the system.
    actor: Actor | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EventWritten(DomainEvent):
    """An event row was appended (in the current transaction); ``body`` is the event as
    ``GET /v1/events/{id}`` shows it."""

    body: Mapping[str, Any]
    owner: Party
    counterpart: Party | None


def event_body(
    *, event_id: str, type: str, created_at: str, owner: Party, actor: Actor, data: Any
) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": type,
        "created_at": created_at,
        "partner_id": owner.partner_id,
        "organization_id": owner.organization_id,
        "actor": {"kind": actor.kind, "key_id": actor.id},
        "data": data,
    }


def actor_of(session: AsyncSession) -> Actor:
    principal = acting_principal(session)
    if principal is None:
        return SYSTEM
    return Actor(principal.kind, principal.key_id)


_PENDING_INFO = "capmatch.events_pending"


def _tally_on_commit(session: AsyncSession, type: str) -> None:
    """Count the event in the process's metrics once its transaction commits (any session:
    requests, sweeps, workers), and forget it if the transaction rolls back."""
    session.sync_session.info.setdefault(_PENDING_INFO, []).append(type)


# Listeners on the Session class, registered once: one per session would cost every write
# two registrations.
@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    for written in session.info.pop(_PENDING_INFO, ()):
        WRITTEN.labels(written).inc()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING_INFO, None)


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourcesChanged(DomainEvent):
    """Many changes at once (an import's chunk): recorded as one event each, appended in
    one statement."""

    changes: tuple[ResourceChanged, ...]


async def publish_changes(session: AsyncSession, changes: Sequence[ResourceChanged]) -> None:
    """Publish ``changes``: one ``ResourceChanged``, or several as one ``ResourcesChanged``."""
    if len(changes) == 1:
        await publish(session, changes[0])
    elif changes:
        await publish(session, ResourcesChanged(changes=tuple(changes)))


async def record_audited(session: AsyncSession, audited: Audited) -> None:
    """Record a change of a domain below the outbox (keys, partners) like any other."""
    await record(
        session,
        ResourceChanged(
            type=audited.type,
            object=audited.object,
            owner=Party(audited.partner_id, audited.organization_id),
        ),
    )


async def record(session: AsyncSession, change: ResourceChanged) -> None:
    """Append the event of ``change`` to the outbox, in the caller's transaction."""
    row, written = _event_of(session, change)
    await repository.append(session, **row)
    await _written(session, change, written)


async def record_all(session: AsyncSession, batch: ResourcesChanged) -> None:
    """Append the events of ``batch`` to the outbox in one statement, in order."""
    events = [_event_of(session, change) for change in batch.changes]
    await repository.append_many(session, [row for row, _ in events])
    for change, (_, written) in zip(batch.changes, events, strict=True):
        await _written(session, change, written)


def _event_of(
    session: AsyncSession, change: ResourceChanged
) -> tuple[dict[str, Any], EventWritten]:
    """The outbox row of ``change`` and the event announcing it once written."""
    actor = change.actor or actor_of(session)
    event_id = new_id("evt")
    created_at = utcnow()
    data = {"object": dict(change.object)}
    row = {
        "event_id": event_id,
        "type": change.type,
        "owner": (change.owner.partner_id, change.owner.organization_id),
        "counterpart": (
            (change.counterpart.partner_id, change.counterpart.organization_id)
            if change.counterpart
            else None
        ),
        "actor": {"kind": actor.kind, "key_id": actor.id},
        "data": data,
        "created_at": created_at,
    }
    body = event_body(
        event_id=event_id,
        type=change.type,
        created_at=created_at.isoformat().replace("+00:00", "Z"),
        owner=change.owner,
        actor=actor,
        data=data,
    )
    return row, EventWritten(body=body, owner=change.owner, counterpart=change.counterpart)


async def _written(session: AsyncSession, change: ResourceChanged, written: EventWritten) -> None:
    _tally_on_commit(session, change.type)
    await publish(session, written)


async def erase_copies(session: AsyncSession, erased: PersonalDataErased) -> None:
    """The erased organisation's contact goes from every event that copied it."""
    changed = 0
    for stored in await repository.events_concerning(session, erased.organization_id):
        data = copy.deepcopy(stored.data)
        if scrub(data, erased.organization_id):
            stored.data = data
            changed += 1
    await session.flush()
    erased.count("events", changed)
