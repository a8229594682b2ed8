from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UTCDateTime
from app.models.mixins import IdColumn, Timestamps


class FeedSubscription(Timestamps, Base):
    """A read-only token for one feed (the calendar's .ics or the notices' Atom), for
    calendar apps and feed readers that cannot send an Authorization header.

    It reads as the key that made it (``api_key_id``; ``admin`` for the operator's key), so
    revoking that key silences the token too. Only a hash of the token is kept.
    """

    __tablename__ = "feed_subscriptions"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True)
    feed: Mapped[str] = mapped_column(String(16), nullable=False)  # calendar | notices
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    api_key_id: Mapped[str] = mapped_column(IdColumn, nullable=False)
    principal_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    partner_id: Mapped[str | None] = mapped_column(
        IdColumn, ForeignKey("partners.id", ondelete="CASCADE"), nullable=True
    )
    organization_id: Mapped[str | None] = mapped_column(
        IdColumn, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=True
    )
    # The list filters the feed applies (topic, partner_id, language, ...), JSON-ready.
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    token_prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (Index("ix_feed_subscriptions_api_key_id_id", "api_key_id", "id"),)
