from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, CodeList, UTCDateTime
from app.models.mixins import IdColumn, Timestamps, Versioned


class CalendarEvent(Timestamps, Versioned, Base):
    """A webinar, fair or matchmaking day in the cross-network calendar.

    ``version`` doubles as the iCalendar ``SEQUENCE`` (version - 1): every change raises
    it, so subscribed calendars replace their copy. A DELETE cancels (soft): the row stays
    so that feeds can carry ``STATUS:CANCELLED`` to calendars that hold the event.
    """

    __tablename__ = "calendar_events"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True)
    partner_id: Mapped[str] = mapped_column(
        IdColumn, ForeignKey("partners.id", ondelete="RESTRICT"), nullable=False
    )
    organization_id: Mapped[str] = mapped_column(
        IdColumn, ForeignKey("organizations.id", ondelete="RESTRICT"), nullable=False
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Instants in UTC; ``timezone`` is the IANA zone the event is held in (shown in it).
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    online_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    # Where it is held, as free text ("Messe Erfurt, Halle 2, Gothaer Platz 1").
    location: Mapped[str | None] = mapped_column(String(500), nullable=True)
    region: Mapped[str | None] = mapped_column(String(8), nullable=True)
    topics: Mapped[list[str]] = mapped_column(CodeList(), nullable=False, default=list)
    # Every topic with its ancestors: the hierarchical ``topic`` filter in one array.
    topic_terms: Mapped[list[str]] = mapped_column(CodeList(), nullable=False, default=list)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    visibility: Mapped[str] = mapped_column(String(16), nullable=False, default="shared")
    registration_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="scheduled")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        CheckConstraint("ends_at >= starts_at", name="ends_after_start"),
        CheckConstraint("status IN ('scheduled', 'cancelled')", name="status_known"),
        CheckConstraint("visibility IN ('network', 'shared')", name="visibility_known"),
        Index("ix_calendar_events_starts_at_id", "starts_at", "id"),
        Index("ix_calendar_events_partner_id_id", "partner_id", "id"),
        Index("ix_calendar_events_organization_id_id", "organization_id", "id"),
        Index("ix_calendar_events_topic_terms", "topic_terms", postgresql_using="gin").ddl_if(
            dialect="postgresql"
        ),
    )
