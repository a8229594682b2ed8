"""The ``lat``/``lon``/``radius_km`` list filter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query
from sqlalchemy import and_
from sqlalchemy.sql.elements import ColumnElement

from app.core.errors import FieldError, InvalidInput
from app.geo.distance import bounding_box, distance_km_sql

MAX_RADIUS_KM = 20_000.0


@dataclass(frozen=True, slots=True)
class Near:
    lat: float
    lon: float
    radius_km: float


def near_params(
    lat: Annotated[float | None, Query(ge=-90, le=90, description="Centre latitude")] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180, description="Centre longitude")] = None,
    radius_km: Annotated[
        float | None, Query(gt=0, le=MAX_RADIUS_KM, description="Radius around lat/lon in km")
    ] = None,
) -> Near | None:
    given = {"lat": lat, "lon": lon, "radius_km": radius_km}
    if all(value is None for value in given.values()):
        return None
    missing = [name for name, value in given.items() if value is None]
    if missing:
        raise InvalidInput(
            "lat, lon and radius_km go together",
            errors=[
                FieldError(
                    field=name,
                    message="required with the other near-filter parameters (lat, lon, radius_km)",
                )
                for name in missing
            ],
        )
    assert lat is not None
    assert lon is not None
    assert radius_km is not None
    return Near(lat=lat, lon=lon, radius_km=radius_km)


NearDep = Annotated[Near | None, Depends(near_params)]


def near_clause(dialect_name: str, lat_col: Any, lon_col: Any, near: Near) -> ColumnElement[bool]:
    min_lat, max_lat, min_lon, max_lon = bounding_box(near.lat, near.lon, near.radius_km)
    return and_(
        lat_col.between(min_lat, max_lat),
        lon_col.between(min_lon, max_lon),
        distance_km_sql(dialect_name, lat_col, lon_col, near.lat, near.lon) <= near.radius_km,
    )
