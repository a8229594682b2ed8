"""What happens to offers that other domains react to (``app.core.events``)."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.events import DomainEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class OffersWithdrawn(DomainEvent):
    """Offers stopped taking work (``status``: paused, draft or closed): their holds must go."""

    offer_ids: tuple[str, ...]
    status: str
