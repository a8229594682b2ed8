"""The bundled region outlines: one per region capmatch names, valid RFC 7946 rings, and
the right region for places whose state or canton is known."""

from __future__ import annotations

from itertools import pairwise

import pytest

from app.geo.regions import regions
from app.geo.shapes import document, region_at


def test_every_region_has_one_outline_with_closed_counter_clockwise_rings() -> None:
    features = document()["features"]
    assert sorted(f["properties"]["region"] for f in features) == sorted(r.code for r in regions())
    for feature in features:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        for polygon in polygons:
            exterior = polygon[0]
            assert exterior[0] == exterior[-1]
            assert len(exterior) >= 4
            area = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairwise(exterior))
            assert area > 0, feature["properties"]["region"]  # RFC 7946: right-hand rule


@pytest.mark.parametrize(
    ("lat", "lon", "region"),
    [
        (48.7758, 9.1829, "DE-BW"),  # Stuttgart
        (48.1374, 11.5755, "DE-BY"),  # Munich
        (52.5200, 13.4050, "DE-BE"),  # Berlin, a hole in Brandenburg
        (52.3906, 13.0645, "DE-BB"),  # Potsdam
        (53.5396, 8.5809, "DE-HB"),  # Bremerhaven, Bremen's second part
        (53.5511, 9.9937, "DE-HH"),  # Hamburg
        (48.2082, 16.3738, "AT-9"),  # Vienna
        (47.2692, 11.4041, "AT-7"),  # Innsbruck
        (47.3769, 8.5417, "CH-ZH"),  # Zurich
        (47.5596, 7.5886, "CH-BS"),  # Basel
        (46.2044, 6.1432, "CH-GE"),  # Geneva
        (47.3310, 9.4090, "CH-AI"),  # Appenzell
        (48.8566, 2.3522, None),  # Paris
        (54.5, 7.0, None),  # the North Sea
    ],
)
def test_region_at(lat: float, lon: float, region: str | None) -> None:
    assert region_at(lat, lon) == region
