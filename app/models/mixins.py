"""Columns every resource table shares."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from app.core.dates import utcnow
from app.core.db import UTCDateTime


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )


class Versioned:
    """``version`` grows by one on every change; the ETag is derived from it.

    It is SQLAlchemy's version counter: every UPDATE says ``WHERE version = <read>``,
    so two writers racing past an If-Match check cannot both win.
    """

    version: Mapped[int] = mapped_column(Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


ID_LENGTH = 40
IdColumn = String(ID_LENGTH)
# Quantities that add up (capacity totals, sums of holds): 64-bit. SQLite's INTEGER is
# 64-bit already.
Quantity = BigInteger().with_variant(Integer(), "sqlite")
