// The map: region outlines from /v1/analytics/regions.geojson drawn as SVG paths,
// coloured by coverage on a colour-blind-safe scale (viridis: ordered by lightness,
// readable without hue and in greyscale), every region a keyboard-reachable link.

import { h, s } from "./dom.js";
import { t, percent, number } from "./i18n.js";

// Five classes of coverage, worst first; a region without demand has its own grey.
export const SCALE = [
  { upTo: 0.2, colour: "#440154", label: "0–20 %" },
  { upTo: 0.4, colour: "#3b528b", label: "20–40 %" },
  { upTo: 0.6, colour: "#21918c", label: "40–60 %" },
  { upTo: 0.8, colour: "#5ec962", label: "60–80 %" },
  { upTo: 1.0, colour: "#fde725", label: "80–100 %" },
];
export const NO_DEMAND = "#d9d9d9";

export function colourOf(figures) {
  if (!figures.demand) return NO_DEMAND;
  const band = SCALE.find((item) => figures.coverage < item.upTo) || SCALE[SCALE.length - 1];
  return band.colour;
}

export function legend() {
  return h(
    "figure",
    { class: "legend-box" },
    h("figcaption", {}, t("legend.title")),
    h(
      "ul",
      { class: "legend" },
      SCALE.map((item) => h("li", {}, swatch(item.colour), item.label)),
      h("li", {}, swatch(NO_DEMAND), t("legend.none")),
    ),
  );
}

function swatch(colour) {
  const box = s("svg", { width: 18, height: 14, "aria-hidden": "true", class: "swatch" }, s("rect", { width: 18, height: 14, fill: colour }));
  return box;
}

// An equirectangular projection stretched by cos(latitude) at the middle of the area:
// for a patch the size of the DACH countries the distortion is smaller than a border line.
function projector(features) {
  let minLon = Infinity, maxLon = -Infinity, minLat = Infinity, maxLat = -Infinity;
  for (const ring of rings(features)) {
    for (const [lon, lat] of ring) {
      minLon = Math.min(minLon, lon);
      maxLon = Math.max(maxLon, lon);
      minLat = Math.min(minLat, lat);
      maxLat = Math.max(maxLat, lat);
    }
  }
  const stretch = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const scale = 100;
  const project = ([lon, lat]) => [(lon - minLon) * stretch * scale, (maxLat - lat) * scale];
  return { project, width: (maxLon - minLon) * stretch * scale, height: (maxLat - minLat) * scale };
}

function* polygonsOf(geometry) {
  if (geometry.type === "Polygon") yield geometry.coordinates;
  else if (geometry.type === "MultiPolygon") yield* geometry.coordinates;
}

function* rings(features) {
  for (const feature of features) for (const polygon of polygonsOf(feature.geometry)) yield* polygon;
}

function pathOf(geometry, project) {
  const parts = [];
  for (const polygon of polygonsOf(geometry)) {
    for (const ring of polygon) {
      parts.push(
        ring
          .map((point, index) => {
            const [x, y] = project(point);
            return `${index ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`;
          })
          .join("") + "Z",
      );
    }
  }
  return parts.join("");
}

export function describe(properties) {
  if (!properties.demand) return t("region.summary.none", { name: properties.name });
  return t("region.summary", { name: properties.name, coverage: percent(properties.coverage), shortage: number(properties.shortage) });
}

/** The SVG map; ``onSelect(code)`` on click, Enter or Space. */
export function regionMap(collection, onSelect) {
  const { project, width, height } = projector(collection.features);
  const pad = 10;
  const map = s("svg", {
    class: "map",
    viewBox: `${-pad} ${-pad} ${(width + 2 * pad).toFixed(0)} ${(height + 2 * pad).toFixed(0)}`,
    role: "group",
    "aria-label": t("situation.map.label"),
  });
  for (const feature of collection.features) {
    const properties = feature.properties;
    const label = describe(properties);
    const region = s(
      "path",
      {
        class: "region",
        d: pathOf(feature.geometry, project),
        fill: colourOf(properties),
        tabindex: "0",
        role: "link",
        "aria-label": label,
        dataset: { region: properties.region, coverage: String(properties.coverage), shortage: String(properties.shortage) },
        on: {
          click: () => onSelect(properties.region),
          keydown: (event) => {
            if (event.key === "Enter" || event.key === " ") {
              event.preventDefault();
              onSelect(properties.region);
            }
          },
        },
      },
      s("title", {}, label),
    );
    map.append(region);
  }
  return map;
}
