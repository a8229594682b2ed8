// The situation picture: the map of coverage by region and the shortages table, for a
// period and optionally one skill or product.

import { api } from "../api.js";
import { h } from "../dom.js";
import { t, number, percent, day } from "../i18n.js";
import { regionMap, legend } from "../map.js";
import { table, filterForm, codeList, heading, regionNames } from "../ui.js";

/** The period's form values: what the address says, else 8 weeks from today. */
export function periodShown(query) {
  return { weeks: 8, from: new Date().toISOString().slice(0, 10), ...query };
}

export function periodFields(skills, products) {
  return [
    { name: "from", label: t("filter.from"), type: "date" },
    { name: "weeks", label: t("filter.weeks"), type: "number", min: 1, max: 52 },
    { name: "skill", label: t("filter.skill"), list: skills },
    { name: "product", label: t("filter.product"), list: products },
  ];
}

export function figureColumns(first) {
  return [
    first,
    { key: "demand", label: t("col.demand"), num: true, value: (row) => row.demand, cell: (row) => number(row.demand) },
    { key: "supply", label: t("col.supply"), num: true, value: (row) => row.supply, cell: (row) => number(row.supply) },
    { key: "reserved", label: t("col.reserved"), num: true, value: (row) => row.reserved, cell: (row) => number(row.reserved) },
    { key: "coverage", label: t("col.coverage"), num: true, value: (row) => row.coverage, cell: (row) => percent(row.coverage) },
    { key: "shortage", label: t("col.shortage"), num: true, value: (row) => row.shortage, cell: (row) => number(row.shortage) },
    { key: "open_requests", label: t("col.requests"), num: true, value: (row) => row.open_requests, cell: (row) => number(row.open_requests) },
    { key: "active_offers", label: t("col.offers"), num: true, value: (row) => row.active_offers, cell: (row) => number(row.active_offers) },
  ];
}

export async function render(main, _params, query, { go }) {
  const [skills, products] = await Promise.all([codeList("skill"), codeList("product")]);
  const period = { from: query.from, weeks: query.weeks, skill: query.skill, product: query.product };
  const [collection, figures, names] = await Promise.all([
    api("v1/analytics/regions.geojson", { query: period }),
    api("v1/analytics/supply-demand", { query: { ...period, group_by: "region" } }),
    regionNames(),
  ]);
  for (const feature of collection.features) feature.properties.name = names[feature.properties.region] || feature.properties.name;
  const rows = figures.data.filter((row) => row.demand || row.supply);
  const regionColumn = {
    key: "region",
    label: t("col.region"),
    value: (row) => names[row.region] || row.region || "",
    cell: (row) => (row.region ? h("a", { href: `#/regions/${row.region}${query.from ? `?from=${query.from}` : ""}` }, names[row.region] || row.region) : h("span", { class: "muted" }, t("region.unknown"))),
  };
  const shown = periodShown(query);
  main.append(
    heading(t("situation.title")),
    filterForm({ fields: periodFields(skills, products), values: shown, onSubmit: (chosen) => go("situation", chosen) }),
    h("p", { class: "muted" }, t("situation.period", { weeks: shown.weeks, from: day(shown.from) })),
    h(
      "div",
      { class: "layout-map" },
      h("section", { "aria-labelledby": "map-title" }, h("h2", { id: "map-title" }, t("situation.map")), regionMap(collection, (code) => go(`regions/${code}`, query.from ? { from: query.from } : {})), legend()),
      h(
        "section",
        { "aria-labelledby": "shortages-title" },
        h("h2", { id: "shortages-title" }, t("situation.table")),
        table({ id: "shortages", columns: figureColumns(regionColumn), rows, sort: { key: "shortage", dir: "desc" } }),
      ),
    ),
  );
}
