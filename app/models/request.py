from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, CodeList, UTCDateTime
from app.models.mixins import IdColumn, Timestamps, Versioned


class CapacityRequest(Timestamps, Versioned, Base):
    """A buyer's need: what, how many, by when, where, with which certifications."""

    __tablename__ = "requests"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True)
    partner_id: Mapped[str] = mapped_column(
        IdColumn, ForeignKey("partners.id", ondelete="RESTRICT"), nullable=False
    )
    organization_id: Mapped[str] = mapped_column(
        IdColumn, ForeignKey("organizations.id", ondelete="RESTRICT"), nullable=False
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    skills: Mapped[list[str]] = mapped_column(CodeList(), nullable=False, default=list)
    products: Mapped[list[str]] = mapped_column(CodeList(), nullable=False, default=list)
    required_certifications: Mapped[list[str]] = mapped_column(
        CodeList(), nullable=False, default=list
    )
    preferred_certifications: Mapped[list[str]] = mapped_column(
        CodeList(), nullable=False, default=list
    )
    search_codes: Mapped[list[str]] = mapped_column(CodeList(), nullable=False, default=list)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    unit: Mapped[str] = mapped_column(String(32), nullable=False)
    needed_by: Mapped[date] = mapped_column(Date, nullable=False)
    lat: Mapped[float] = mapped_column(Float, nullable=False)
    lon: Mapped[float] = mapped_column(Float, nullable=False)
    region: Mapped[str | None] = mapped_column(String(8), nullable=True)
    max_distance_km: Mapped[float | None] = mapped_column(Float, nullable=True)
    visibility: Mapped[str] = mapped_column(String(16), nullable=False, default="shared")
    # Weight overrides for matching ({"distance": 0.5, ...}); None: the defaults.
    weights: Mapped[dict[str, float] | None] = mapped_column(JSON, nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # From this score on, an offer that newly matches is worth a match.found alert (0..1,
    # checked by the API).
    alert_min_score: Mapped[float] = mapped_column(
        Float, nullable=False, default=0.5, server_default=text("0.5")
    )

    # The partner's own reference (its CRM or spreadsheet id): imports upsert by it.
    external_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)

    __table_args__ = (
        # Unique per partner (NULLs are distinct: most rows have none).
        Index("uq_requests_partner_external_ref", "partner_id", "external_ref", unique=True),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_requests_partner_id_id", "partner_id", "id"),
        Index("ix_requests_organization_id_id", "organization_id", "id"),
        Index("ix_requests_status_needed_by", "status", "needed_by"),
        Index("ix_requests_visibility_id", "visibility", "id"),
        Index("ix_requests_region", "region"),
        Index("ix_requests_lat_lon", "lat", "lon"),
        Index("ix_requests_search_codes", "search_codes", postgresql_using="gin").ddl_if(
            dialect="postgresql"
        ),
    )
