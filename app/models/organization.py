from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, UTCDateTime
from app.models.mixins import IdColumn, Timestamps, Versioned


class Organization(Timestamps, Versioned, Base):
    """A member company of a partner: manufacturer, buyer or both."""

    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True)
    partner_id: Mapped[str] = mapped_column(
        IdColumn, ForeignKey("partners.id", ondelete="RESTRICT"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    website: Mapped[str | None] = mapped_column(String(500), nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    region: Mapped[str | None] = mapped_column(String(8), nullable=True)
    street: Mapped[str | None] = mapped_column(String(200), nullable=True)
    postal_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    city: Mapped[str | None] = mapped_column(String(100), nullable=True)
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    contact_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    contact_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    contact_phone: Mapped[str | None] = mapped_column(String(50), nullable=True)
    verified: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    certifications: Mapped[list[OrganizationCertification]] = relationship(
        back_populates="organization",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="OrganizationCertification.code",
    )

    # The partner's own reference (its CRM or spreadsheet id): imports upsert by it.
    external_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)

    __table_args__ = (
        # Unique per partner (NULLs are distinct: most rows have none).
        Index("uq_organizations_partner_external_ref", "partner_id", "external_ref", unique=True),
        Index("ix_organizations_partner_id_id", "partner_id", "id"),
        Index("ix_organizations_region", "region"),
        Index("ix_organizations_lat_lon", "lat", "lon"),
    )


class OrganizationCertification(Base):
    """A certification an organisation holds or is acquiring (admin may verify a held one)."""

    __tablename__ = "organization_certifications"

    organization_id: Mapped[str] = mapped_column(
        IdColumn, ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    certificate_number: Mapped[str | None] = mapped_column(String(100), nullable=True)
    verified: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # ``held``, or ``in_progress`` until the certificate is issued, expected by
    # ``expected_by`` (set exactly when in progress; the schemas enforce it).
    status: Mapped[str] = mapped_column(
        String(16), nullable=False, default="held", server_default="held"
    )
    expected_by: Mapped[date | None] = mapped_column(Date, nullable=True)

    organization: Mapped[Organization] = relationship(back_populates="certifications", lazy="raise")

    __table_args__ = (Index("ix_organization_certifications_code", "code"),)
