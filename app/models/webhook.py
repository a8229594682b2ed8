"""Webhook endpoints of partners and organisations, and the deliveries the worker sends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UTCDateTime
from app.models.mixins import IdColumn, Timestamps, Versioned


class WebhookEndpoint(Timestamps, Versioned, Base):
    """A URL that receives the events of its owner: a partner (``organization_id`` null:
    the events of every member) or one organisation.

    The signing secrets are kept as they are (HMAC needs them to sign), never returned
    after the answer that issued them. ``previous_secret`` signs too until
    ``previous_secret_expires_at`` (the 24 h overlap of a rotation). ``failing_since``
    is the first failed attempt since the last success (5 days of it disable the endpoint).
    """

    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True)
    partner_id: Mapped[str] = mapped_column(
        IdColumn, ForeignKey("partners.id", ondelete="CASCADE"), nullable=False
    )
    organization_id: Mapped[str | None] = mapped_column(
        IdColumn, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=True
    )
    url: Mapped[str] = mapped_column(String(2048), nullable=False)
    description: Mapped[str | None] = mapped_column(String(500), nullable=True)
    event_types: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # enabled | disabled
    secret: Mapped[str] = mapped_column(String(100), nullable=False)
    previous_secret: Mapped[str | None] = mapped_column(String(100), nullable=True)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), nullable=True
    )
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        Index("ix_webhook_endpoints_partner_id", "partner_id"),
        Index("ix_webhook_endpoints_organization_id", "organization_id"),
    )


class WebhookDelivery(Timestamps, Base):
    """One event for one endpoint: sent until a 2xx answer or the retries run out.

    ``payload`` is the body exactly as signed and sent. A worker claims a due delivery by
    writing its name in ``claimed_by`` and a lease end in ``claim_expires_at``; another
    worker takes it only after the lease has ended (a killed worker's claims come back).
    """

    __tablename__ = "webhook_deliveries"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True)
    endpoint_id: Mapped[str] = mapped_column(
        IdColumn, ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False
    )
    event_id: Mapped[str] = mapped_column(IdColumn, nullable=False)
    event_type: Mapped[str] = mapped_column(String(64), nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # pending|succeeded|failed
    attempt: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    claim_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),
    )
