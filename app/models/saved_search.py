from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base
from app.models.mixins import IdColumn, Timestamps, Versioned


class SavedSearch(Timestamps, Versioned, Base):
    """A stored match search: the body of ``POST /v1/matches/search`` and the score from
    which a newly matching offer is worth a ``match.found`` alert."""

    __tablename__ = "saved_searches"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True)
    partner_id: Mapped[str] = mapped_column(
        IdColumn, ForeignKey("partners.id", ondelete="RESTRICT"), nullable=False
    )
    organization_id: Mapped[str] = mapped_column(
        IdColumn, ForeignKey("organizations.id", ondelete="RESTRICT"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    # The search body as given (JSON-ready), without organization_id (the column above).
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    min_score: Mapped[float] = mapped_column(Float, nullable=False)
    # The delivery point: criteria's location, else the organisation's when saved.
    lat: Mapped[float] = mapped_column(Float, nullable=False)
    lon: Mapped[float] = mapped_column(Float, nullable=False)

    __table_args__ = (
        CheckConstraint("min_score >= 0 AND min_score <= 1", name="min_score_range"),
        Index("ix_saved_searches_partner_id_id", "partner_id", "id"),
        Index("ix_saved_searches_organization_id_id", "organization_id", "id"),
    )
