"""Great-circle distance: the one place capmatch measures how far apart two points are.

The same haversine formula in the three forms callers need, side by side so they
cannot drift apart: a scalar for one pair, a NumPy form for many points at once (the
matching scorer) and a SQL expression for list filters (native on PostgreSQL, a
registered Python function on SQLite, whose math functions are optional).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import func
from sqlalchemy.sql.elements import ColumnElement

from app.core.db import register_sqlite_function

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius
SQLITE_DISTANCE_FUNCTION = "capmatch_distance_km"
FloatArray = npt.NDArray[np.float64]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def haversine_km_array(
    lat: float | FloatArray,
    lon: float | FloatArray,
    lats: FloatArray | float,
    lons: FloatArray | float,
) -> FloatArray:
    """Distances in km from (lat, lon) to every (lats[i], lons[i]); ``haversine_km`` per row.

    Either side may be the many points (the request direction passes the requests
    first), so each row is ``haversine_km`` with its arguments in the same order.
    """
    phi1 = np.radians(lat)
    phi2 = np.radians(lats)
    d_phi = phi2 - phi1
    d_lambda = np.radians(lons - lon)
    a = np.sin(d_phi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(d_lambda / 2) ** 2
    distances: FloatArray = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    return distances


def distance_km_sql(
    dialect_name: str, lat_col: Any, lon_col: Any, lat: float, lon: float
) -> ColumnElement[float]:
    """SQL expression for the haversine distance from (lat, lon) to the row's columns."""
    if dialect_name == "sqlite":
        return getattr(func, SQLITE_DISTANCE_FUNCTION)(lat_col, lon_col, lat, lon)  # type: ignore[no-any-return]
    phi1 = func.radians(lat_col)
    phi2 = math.radians(lat)
    a = func.power(func.sin((phi2 - phi1) / 2), 2) + func.cos(phi1) * math.cos(phi2) * func.power(
        func.sin((math.radians(lon) - func.radians(lon_col)) / 2), 2
    )
    return 2 * EARTH_RADIUS_KM * func.asin(func.least(1.0, func.sqrt(a)))


def _sqlite_distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float | None:
    if None in (lat1, lon1, lat2, lon2):
        return None
    return haversine_km(lat1, lon1, lat2, lon2)


def register_sql_functions() -> None:
    """Give SQLite connections ``distance_km_sql``'s function (called by ``create_app``)."""
    register_sqlite_function(SQLITE_DISTANCE_FUNCTION, 4, _sqlite_distance_km)


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing the circle; an index-friendly pre-filter."""
    angle = radius_km / EARTH_RADIUS_KM
    d_lat = math.degrees(angle)
    if d_lat >= 90 or lat + d_lat >= 90 or lat - d_lat <= -90:
        # A pole lies within the circle: every longitude does.
        return max(-90.0, lat - d_lat), min(90.0, lat + d_lat), -180.0, 180.0
    # The meridians tangent to the circle (J. Matuschek, "Finding points within a
    # distance of a latitude/longitude"); angle / cos(lat) would be too narrow.
    d_lon = math.degrees(math.asin(min(1.0, math.sin(angle) / math.cos(math.radians(lat)))))
    if d_lon >= 180 or lon - d_lon < -180 or lon + d_lon > 180:
        return max(-90.0, lat - d_lat), min(90.0, lat + d_lat), -180.0, 180.0
    return lat - d_lat, lat + d_lat, lon - d_lon, lon + d_lon
