from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.geo.distance import bounding_box, haversine_km

STUTTGART = (48.7758, 9.1829)
REUTLINGEN = (48.4931, 9.2125)
HAMBURG = (53.5511, 9.9937)


@pytest.mark.parametrize(
    ("a", "b", "expected_km"),
    [(STUTTGART, REUTLINGEN, 31.5), (STUTTGART, HAMBURG, 534.0)],
)
def test_known_city_pairs(
    a: tuple[float, float], b: tuple[float, float], expected_km: float
) -> None:
    assert haversine_km(*a, *b) == pytest.approx(expected_km, abs=1.0)


latitudes = st.floats(min_value=-89, max_value=89)
longitudes = st.floats(min_value=-179, max_value=179)


@given(latitudes, longitudes, latitudes, longitudes)
def test_distance_is_symmetric_and_bounded(
    lat1: float, lon1: float, lat2: float, lon2: float
) -> None:
    there = haversine_km(lat1, lon1, lat2, lon2)
    assert there == pytest.approx(haversine_km(lat2, lon2, lat1, lon1), abs=1e-6)
    assert 0 <= there <= math.pi * 6371.01


@given(latitudes, longitudes, st.floats(min_value=0.1, max_value=2000), st.floats(0, 360))
def test_bounding_box_contains_every_point_within_the_radius(
    lat: float, lon: float, radius_km: float, bearing_deg: float
) -> None:
    # A point at 0.99 x radius along any bearing must lie inside the box.
    distance = 0.99 * radius_km / 6371.0088
    theta = math.radians(bearing_deg)
    phi1, lambda1 = math.radians(lat), math.radians(lon)
    phi2 = math.asin(
        math.sin(phi1) * math.cos(distance) + math.cos(phi1) * math.sin(distance) * math.cos(theta)
    )
    lambda2 = lambda1 + math.atan2(
        math.sin(theta) * math.sin(distance) * math.cos(phi1),
        math.cos(distance) - math.sin(phi1) * math.sin(phi2),
    )
    point_lat = math.degrees(phi2)
    point_lon = (math.degrees(lambda2) + 540) % 360 - 180
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_km)
    assert min_lat - 1e-9 <= point_lat <= max_lat + 1e-9
    assert min_lon - 1e-9 <= point_lon <= max_lon + 1e-9
