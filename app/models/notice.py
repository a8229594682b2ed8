from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, CodeList, UTCDateTime
from app.models.mixins import IdColumn, Timestamps, Versioned


class Notice(Timestamps, Versioned, Base):
    """A call for partners, a funding call or a standard's change, posted by a member.

    ``body`` is the Markdown as written; the HTML shown to readers is rendered from it
    (safely) when read. A DELETE withdraws (soft): the row stays for its history.
    """

    __tablename__ = "notices"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True)
    partner_id: Mapped[str] = mapped_column(
        IdColumn, ForeignKey("partners.id", ondelete="RESTRICT"), nullable=False
    )
    organization_id: Mapped[str] = mapped_column(
        IdColumn, ForeignKey("organizations.id", ondelete="RESTRICT"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    topics: Mapped[list[str]] = mapped_column(CodeList(), nullable=False, default=list)
    topic_terms: Mapped[list[str]] = mapped_column(CodeList(), nullable=False, default=list)
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    # [{"url": ..., "title": ...}]
    links: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    visibility: Mapped[str] = mapped_column(String(16), nullable=False, default="shared")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="published")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        CheckConstraint(
            "kind IN ('call_for_partners', 'funding', 'standard', 'other')", name="kind_known"
        ),
        CheckConstraint("status IN ('draft', 'published', 'withdrawn')", name="status_known"),
        CheckConstraint("visibility IN ('network', 'shared')", name="visibility_known"),
        Index("ix_notices_partner_id_id", "partner_id", "id"),
        Index("ix_notices_organization_id_id", "organization_id", "id"),
        Index("ix_notices_topic_terms", "topic_terms", postgresql_using="gin").ddl_if(
            dialect="postgresql"
        ),
        Index("ix_notices_published_at_id", "published_at", "id"),
    )
