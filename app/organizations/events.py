"""What happens to organisations that other domains react to (``app.core.events``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.core.events import DomainEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class OrganizationClosed(DomainEvent):
    """The organisation left the market: what it offers and requests must close too."""

    organization_id: str
    closed_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificationsWithdrawn(DomainEvent):
    """The organisation is about to stop holding these certifications.

    Published before the change is applied, so a subscriber that still depends on
    one (an open offer claiming it) can refuse it.
    """

    organization_id: str
    codes: frozenset[str]
