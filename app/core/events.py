"""In-transaction domain events: how one domain reacts to another without importing it.

A service records what happened (``await publish(session, OrganizationClosed(...))``);
the subscribers registered for that type at start-up (``subscribe``, called from
``create_app``) run at once, on the same session, so inside the same transaction:
a reaction commits with the change that caused it or rolls back with it, and a
subscriber that refuses (raises) fails the publishing request before it answers.

Events are plain frozen dataclasses defined by the domain that publishes them; a
subscriber lives in the domain that reacts. Nothing keeps an event after its subscribers
ran: an import publishes one per row, and a session that kept them all held every
imported offer's JSON until the commit (memory growing with the file, and the garbage
collector walking all of it again and again: a third of an import's time).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainEvent:
    """Base of every domain event: something that happened, in the past tense."""


E = TypeVar("E", bound=DomainEvent)
Subscriber = Callable[[AsyncSession, E], Awaitable[None]]

_subscribers: dict[type[DomainEvent], list[Subscriber[Any]]] = {}


def subscribe(event_type: type[E], subscriber: Subscriber[E]) -> None:
    """Run ``subscriber`` for every ``event_type`` published (idempotent: once per pair).

    Subscribers of one type run in the order they were registered.
    """
    registered = _subscribers.setdefault(event_type, [])
    if subscriber not in registered:
        registered.append(subscriber)


def unsubscribe(event_type: type[E], subscriber: Subscriber[E]) -> None:
    """Stop running ``subscriber`` for ``event_type`` (benchmarks measure a write without
    one of its reactions)."""
    registered = _subscribers.get(event_type, [])
    if subscriber in registered:
        registered.remove(subscriber)


def subscribers_of(event_type: type[DomainEvent]) -> list[Subscriber[Any]]:
    """Who reacts to ``event_type``: its own subscribers, then those of its base classes."""
    found: list[Subscriber[Any]] = []
    for kind in event_type.__mro__:
        found.extend(_subscribers.get(kind, ()))
    return found


async def publish(session: AsyncSession, event: DomainEvent) -> None:
    """Run the subscribers of ``event`` now, on the publisher's session."""
    for subscriber in subscribers_of(type(event)):
        await subscriber(session, event)


@dataclass(frozen=True, slots=True, kw_only=True)
class Audited(DomainEvent):
    """A change the event feed records, from a domain below the outbox (API keys,
    partners): ``type`` (``api_key.revoked``), the object as its GET shows it (never a
    secret), and the partner and organisation it belongs to. The outbox subscribes."""

    type: str
    object: Mapping[str, Any]
    partner_id: str
    organization_id: str | None = None
