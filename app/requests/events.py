"""What happens to requests that other domains react to (``app.core.events``)."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.events import DomainEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestsClosed(DomainEvent):
    """Requests stopped being open (``status``: cancelled or fulfilled) by their owner."""

    request_ids: tuple[str, ...]
    status: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestQuantityCut(DomainEvent):
    """The owner is about to lower the request's quantity.

    Published before the change is applied, so a subscriber can refuse it (engagements:
    what the request has engaged must still fit).
    """

    request_id: str
    quantity: int
