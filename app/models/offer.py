from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, CodeList, UTCDateTime
from app.models.mixins import IdColumn, Quantity, Timestamps, Versioned


class Offer(Timestamps, Versioned, Base):
    """Free production capacity a manufacturer offers for a time window."""

    __tablename__ = "offers"

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
    certifications: Mapped[list[str]] = mapped_column(CodeList(), nullable=False, default=list)
    # Prefixed codes and all their ancestors ("s:textile", "s:textile.sewing", "c:en-14683"):
    # one GIN-indexed array answers every hierarchical code filter on PostgreSQL.
    search_codes: Mapped[list[str]] = mapped_column(CodeList(), nullable=False, default=list)
    capacity_unit: Mapped[str] = mapped_column(String(32), nullable=False)
    capacity_per_week: Mapped[int] = mapped_column(Integer, nullable=False)
    capacity_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    min_order_quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    lead_time_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    available_from: Mapped[date] = mapped_column(Date, nullable=False)
    available_until: Mapped[date] = mapped_column(Date, nullable=False)
    lat: Mapped[float] = mapped_column(Float, nullable=False)
    lon: Mapped[float] = mapped_column(Float, nullable=False)
    region: Mapped[str | None] = mapped_column(String(8), nullable=True)
    service_radius_km: Mapped[float | None] = mapped_column(Float, nullable=True)
    visibility: Mapped[str] = mapped_column(String(16), nullable=False, default="shared")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    # Capacity accounting (app/engagements): total = explicit or per week over the window,
    # kept here so the database itself refuses reserved + held above it.
    total_quantity: Mapped[int] = mapped_column(Quantity, nullable=False)
    reserved_quantity: Mapped[int] = mapped_column(Quantity, nullable=False, default=0)
    # server_default as the engagements migration created it (rows existed then).
    held_quantity: Mapped[int] = mapped_column(
        Quantity, nullable=False, default=0, server_default="0"
    )
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    # The partner's own reference (its CRM or spreadsheet id): imports upsert by it.
    external_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)

    __table_args__ = (
        # Unique per partner (NULLs are distinct: most rows have none).
        Index("uq_offers_partner_external_ref", "partner_id", "external_ref", unique=True),
        CheckConstraint("capacity_per_week > 0", name="capacity_per_week_positive"),
        CheckConstraint("available_until >= available_from", name="window_ordered"),
        CheckConstraint("reserved_quantity >= 0", name="reserved_not_negative"),
        CheckConstraint("held_quantity >= 0", name="held_not_negative"),
        CheckConstraint(
            "reserved_quantity + held_quantity <= total_quantity", name="booked_within_total"
        ),
        Index("ix_offers_partner_id_id", "partner_id", "id"),
        Index("ix_offers_organization_id_id", "organization_id", "id"),
        Index("ix_offers_status_available_until", "status", "available_until"),
        Index("ix_offers_visibility_id", "visibility", "id"),
        Index("ix_offers_region", "region"),
        Index("ix_offers_lat_lon", "lat", "lon"),
        Index("ix_offers_search_codes", "search_codes", postgresql_using="gin").ddl_if(
            dialect="postgresql"
        ),
    )
