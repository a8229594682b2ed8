"""What happens to requests that other domains react to (``app.core.events``)."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.events import DomainEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestsClosed(DomainEvent):
    """Requests stopped being open (``status``: cancelled or fulfilled) by their owner."""

    request_ids: tuple[str, ...]
    status: str
