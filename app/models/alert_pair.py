from __future__ import annotations

from datetime import datetime

from sqlalchemy import PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UTCDateTime
from app.models.mixins import IdColumn


class AlertPair(Base):
    """A (request or saved search, offer) pair already alerted: one alert per pair ever.

    The primary key is the guard: the worker whose insert wins publishes the alert in
    the same transaction; every other worker's insert does nothing.
    """

    __tablename__ = "alert_pairs"

    subject_id: Mapped[str] = mapped_column(IdColumn, nullable=False)  # req_... or srch_...
    offer_id: Mapped[str] = mapped_column(IdColumn, nullable=False)
    type: Mapped[str] = mapped_column(String(32), nullable=False)  # match.found | demand.found
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    __table_args__ = (PrimaryKeyConstraint("subject_id", "offer_id"),)
