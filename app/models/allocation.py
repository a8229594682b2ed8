"""An allocation: supply distributed over a set of open requests, proposed, then applied."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UTCDateTime
from app.models.mixins import IdColumn, Timestamps


class Allocation(Timestamps, Base):
    """One solved allocation (API.md "Allocation").

    ``selection`` is what was asked (request ids or a filter, the objective's options);
    ``result`` is the answer as computed (assignments, per-request figures, totals and the
    greedy figures beside them), kept as it was so a later ``apply`` places exactly the
    holds that were proposed. ``partner_id`` is the partner whose key asked (none: admin).
    """

    __tablename__ = "allocations"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True)
    partner_id: Mapped[str | None] = mapped_column(IdColumn, nullable=True)
    objective: Mapped[str] = mapped_column(String(16), nullable=False)  # coverage|fair
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # proposed|applied
    selection: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    solver: Mapped[str] = mapped_column(String(100), nullable=False)
    solve_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (Index("ix_allocations_partner_id_id", "partner_id", "id"),)
