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
    # True when the session's own objects are the engagements as they stand: created by
    # its unit of work and changed by no set-based statement since, so there is nothing
    # to read again (a hold's hot path).
    session_current: bool = False
