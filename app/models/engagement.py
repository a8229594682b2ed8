from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UTCDateTime
from app.models.mixins import IdColumn, Quantity, Timestamps, Versioned

ENGAGEMENT_STATUSES = ("pending", "accepted", "declined", "cancelled", "expired", "fulfilled")


class Engagement(Timestamps, Versioned, Base):
    """A buyer's request engaging a manufacturer's offer for a quantity.

    ``pending`` holds capacity (``offers.held_quantity``) until ``expires_at``;
    ``accepted`` reserves it (``offers.reserved_quantity``). The parties are copied
    from the request and the offer so "what am I party to" is one indexed read.
    """

    __tablename__ = "engagements"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True)
    request_id: Mapped[str] = mapped_column(
        IdColumn, ForeignKey("requests.id", ondelete="RESTRICT"), nullable=False
    )
    offer_id: Mapped[str] = mapped_column(
        IdColumn, ForeignKey("offers.id", ondelete="RESTRICT"), nullable=False
    )
    buyer_partner_id: Mapped[str] = mapped_column(
        IdColumn, ForeignKey("partners.id", ondelete="RESTRICT"), nullable=False
    )
    buyer_organization_id: Mapped[str] = mapped_column(
        IdColumn, ForeignKey("organizations.id", ondelete="RESTRICT"), nullable=False
    )
    seller_partner_id: Mapped[str] = mapped_column(
        IdColumn, ForeignKey("partners.id", ondelete="RESTRICT"), nullable=False
    )
    seller_organization_id: Mapped[str] = mapped_column(
        IdColumn, ForeignKey("organizations.id", ondelete="RESTRICT"), nullable=False
    )
    quantity: Mapped[int] = mapped_column(Quantity, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{status}'" for status in ENGAGEMENT_STATUSES) + ")",
            name="status_known",
        ),
        Index("ix_engagements_offer_id_status", "offer_id", "status"),
        Index("ix_engagements_request_id_status", "request_id", "status"),
        Index("ix_engagements_buyer_partner_id_id", "buyer_partner_id", "id"),
        Index("ix_engagements_seller_partner_id_id", "seller_partner_id", "id"),
        Index("ix_engagements_buyer_organization_id_id", "buyer_organization_id", "id"),
        Index("ix_engagements_seller_organization_id_id", "seller_organization_id", "id"),
        Index("ix_engagements_status_expires_at", "status", "expires_at"),
    )


class EngagementEvent(Base):
    """One transition of an engagement: who moved it from which status to which, and why."""

    __tablename__ = "engagement_events"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True)
    engagement_id: Mapped[str] = mapped_column(
        IdColumn, ForeignKey("engagements.id", ondelete="CASCADE"), nullable=False
    )
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str] = mapped_column(String(16), nullable=False)
    actor_kind: Mapped[str] = mapped_column(String(16), nullable=False)  # buyer|seller|system
    actor_organization_id: Mapped[str | None] = mapped_column(IdColumn, nullable=True)
    actor_key_id: Mapped[str | None] = mapped_column(IdColumn, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    __table_args__ = (Index("ix_engagement_events_engagement_id_id", "engagement_id", "id"),)


class EngagementMessage(Base):
    """A message in an engagement's thread, written by one of the two parties."""

    __tablename__ = "engagement_messages"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True)
    engagement_id: Mapped[str] = mapped_column(
        IdColumn, ForeignKey("engagements.id", ondelete="CASCADE"), nullable=False
    )
    author_side: Mapped[str] = mapped_column(String(16), nullable=False)  # buyer|seller
    author_organization_id: Mapped[str] = mapped_column(IdColumn, nullable=False)
    author_key_id: Mapped[str | None] = mapped_column(IdColumn, nullable=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    __table_args__ = (Index("ix_engagement_messages_engagement_id_id", "engagement_id", "id"),)
