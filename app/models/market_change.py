from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UTCDateTime
from app.models.mixins import IdColumn


class MarketChange(Base):
    """One write to an offer, an organisation or a request, appended by database triggers.

    Every worker's matching index follows this log (app/matching/feed.py), whatever
    wrote the row. ``txid`` (PostgreSQL only) is the writing transaction's id: ids of
    transactions still running are never below the snapshot's xmin, so a reader that
    re-reads from its last xmin cannot miss a change that commits late.
    """

    __tablename__ = "market_changes"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # offer | organization | request
    object_id: Mapped[str] = mapped_column(IdColumn, nullable=False)
    txid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.current_timestamp()
    )

    __table_args__ = (
        Index("ix_market_changes_txid", "txid"),
        Index("ix_market_changes_created_at", "created_at"),
    )
