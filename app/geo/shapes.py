"""The regions' outlines (``data/regions.geojson``: Natural Earth admin-1, public domain,
simplified; see ``data/REGIONS-SOURCE.md``) and which region holds a point.

Pure and in memory: 51 outlines of ~9,500 points in all, read once per process. A point
is tested against the outlines whose bounding box holds it, by ray casting over all
rings of a polygon (a hole, such as Berlin inside Brandenburg, flips the count back).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
_FILE = "regions.geojson"


@dataclass(frozen=True, slots=True)
class Outline:
    region: str
    rings: tuple[tuple[FloatArray, ...], ...]  # per polygon: its rings as (n, 2) lon/lat
    box: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat

    def holds(self, lat: float, lon: float) -> bool:
        west, south, east, north = self.box
        if not (west <= lon <= east and south <= lat <= north):
            return False
        return any(_inside(polygon, lon, lat) for polygon in self.rings)


@cache
def document() -> dict[str, Any]:
    """The bundled FeatureCollection as read (RFC 7946)."""
    loaded: dict[str, Any] = json.loads(files("app.geo").joinpath("data", _FILE).read_text())
    return loaded


@cache
def outlines() -> tuple[Outline, ...]:
    return tuple(_outline(feature) for feature in document()["features"])


def region_at(lat: float, lon: float) -> str | None:
    """The region whose outline holds the point, None outside every one."""
    for outline in outlines():
        if outline.holds(lat, lon):
            return outline.region
    return None


def _outline(feature: dict[str, Any]) -> Outline:
    geometry = feature["geometry"]
    polygons = (
        [geometry["coordinates"]]
        if geometry["type"] == "Polygon"
        else list(geometry["coordinates"])
    )
    rings = tuple(
        tuple(np.asarray(ring, dtype=np.float64) for ring in polygon) for polygon in polygons
    )
    points = np.concatenate([ring for polygon in rings for ring in polygon])
    box = (
        float(points[:, 0].min()),
        float(points[:, 1].min()),
        float(points[:, 0].max()),
        float(points[:, 1].max()),
    )
    return Outline(feature["properties"]["region"], rings, box)


def _inside(polygon: tuple[FloatArray, ...], x: float, y: float) -> bool:
    """Even-odd rule over the polygon's rings (exterior and holes)."""
    crossings = 0
    for ring in polygon:
        x1, y1 = ring[:, 0], ring[:, 1]
        x2, y2 = np.roll(x1, -1), np.roll(y1, -1)
        straddles = (y1 > y) != (y2 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            at_x = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        crossings += int(np.count_nonzero(straddles & (x < at_x)))
    return crossings % 2 == 1
