from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base
from app.models.mixins import IdColumn, Timestamps, Versioned


class Partner(Timestamps, Versioned, Base):
    """A cluster portal (tenant). Owns organisations and their offers and requests."""

    __tablename__ = "partners"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    slug: Mapped[str] = mapped_column(String(63), nullable=False, unique=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
