from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UTCDateTime
from app.models.mixins import IdColumn


class Event(Base):
    """The outbox: one row per change to an organisation, offer, request or engagement (and
    per alert), written in the transaction of the change.

    An event concerns up to two parties, each a partner and optionally one of its
    organisations: the owner, and for engagements the other side (``counterpart_*``). Only
    they (and the admin) see it. ``txid`` (PostgreSQL only) is the writing transaction's
    id: the feed serves only events of transactions older than every running one, so a
    consumer's cursor never passes an event that commits late (see app/events/feed.py).
    """

    __tablename__ = "events"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    id: Mapped[str] = mapped_column(IdColumn, nullable=False, unique=True)
    type: Mapped[str] = mapped_column(String(64), nullable=False)
    txid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    partner_id: Mapped[str] = mapped_column(IdColumn, nullable=False)
    organization_id: Mapped[str | None] = mapped_column(IdColumn, nullable=True)
    counterpart_partner_id: Mapped[str | None] = mapped_column(IdColumn, nullable=True)
    counterpart_organization_id: Mapped[str | None] = mapped_column(IdColumn, nullable=True)
    # Who caused it: {"kind": "admin|partner|organization|system", "id": ...}.
    actor: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    __table_args__ = (
        Index("ix_events_txid_seq", "txid", "seq"),
        Index("ix_events_partner_txid_seq", "partner_id", "txid", "seq"),
        Index("ix_events_organization_txid_seq", "organization_id", "txid", "seq"),
        # Only engagement events have a counterpart: partial indexes skip the rest.
        Index(
            "ix_events_counterpart_partner_txid_seq",
            "counterpart_partner_id",
            "txid",
            "seq",
            postgresql_where=text("counterpart_partner_id IS NOT NULL"),
            sqlite_where=text("counterpart_partner_id IS NOT NULL"),
        ),
        Index(
            "ix_events_counterpart_organization_txid_seq",
            "counterpart_organization_id",
            "txid",
            "seq",
            postgresql_where=text("counterpart_organization_id IS NOT NULL"),
            sqlite_where=text("counterpart_organization_id IS NOT NULL"),
        ),
        Index("ix_events_created_at", "created_at"),
        # SQLite: never reuse a seq (a purge that empties the table would restart it below
        # the positions consumers hold).
        {"sqlite_autoincrement": True},
    )
