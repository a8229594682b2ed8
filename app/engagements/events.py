"""Domain events of engagements (``app.core.events``)."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.events import DomainEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class EngagementsChanged(DomainEvent):
    """Engagements were created or changed status; ``type`` is the outbox's event type
    (``engagement.created``, ``engagement.accepted``, ...)."""

    engagement_ids: tuple[str, ...]
    type: str
