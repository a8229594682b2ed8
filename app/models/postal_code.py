from __future__ import annotations

from sqlalchemy import Float, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base


class PostalCode(Base):
    """One gazetteer row: a (postal code, place) of a country with coordinates and region.

    Loaded from GeoNames postal-code exports by ``capmatch gazetteer load``; a postal
    code may have several rows (one per place).
    """

    __tablename__ = "postal_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    country: Mapped[str] = mapped_column(String(2), nullable=False)
    postal_code: Mapped[str] = mapped_column(String(20), nullable=False)
    place_name: Mapped[str] = mapped_column(String(180), nullable=False)
    admin1_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    admin1_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    region: Mapped[str | None] = mapped_column(String(8), nullable=True)
    lat: Mapped[float] = mapped_column(Float, nullable=False)
    lon: Mapped[float] = mapped_column(Float, nullable=False)
    accuracy: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)

    __table_args__ = (
        Index("ix_postal_codes_country_postal_code", "country", "postal_code"),
        Index("ix_postal_codes_lat_lon", "lat", "lon"),
    )
