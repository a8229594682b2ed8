// Requests and offers with the API's list filters.

import { h, badge } from "../dom.js";
import { t, number, day, statusText } from "../i18n.js";
import { table, filterForm, codeList, pagedList, heading, regionNames } from "../ui.js";

const FILTERS = ["q", "status", "skill", "product", "certification", "region", "visibility", "organization_id", "lat", "lon", "radius_km"];

function options(values) {
  return values.map((value) => [value, statusText(value)]);
}

async function fields(statuses) {
  const [skills, products, certifications, names] = await Promise.all([codeList("skill"), codeList("product"), codeList("certification"), regionNames()]);
  return [
    { name: "q", label: t("filter.q") },
    { name: "status", label: t("filter.status"), options: options(statuses) },
    { name: "skill", label: t("filter.skill"), list: skills },
    { name: "product", label: t("filter.product"), list: products },
    { name: "certification", label: t("filter.certification"), list: certifications },
    { name: "region", label: t("filter.region"), options: Object.entries(names).sort((a, b) => a[1].localeCompare(b[1])) },
    { name: "visibility", label: t("filter.visibility"), options: options(["network", "shared"]) },
    { name: "organization_id", label: t("filter.organization") },
    { name: "lat", label: t("filter.lat"), type: "number", step: "any", min: -90, max: 90 },
    { name: "lon", label: t("filter.lon"), type: "number", step: "any", min: -180, max: 180 },
    { name: "radius_km", label: t("filter.radius"), type: "number", step: "any", min: 0, max: 20000 },
  ];
}

function chosen(query) {
  return Object.fromEntries(FILTERS.filter((name) => query[name]).map((name) => [name, query[name]]));
}

const title = (kind) => ({
  key: "title",
  label: t("col.title"),
  value: (row) => row.title.toLowerCase(),
  cell: (row) => h("a", { href: `#/${kind}/${row.id}` }, row.title),
});
const status = () => ({ key: "status", label: t("col.status"), value: (row) => row.status, cell: (row) => badge(row.status, statusText(row.status)) });

export async function renderRequests(main, _params, query, { go }) {
  const names = await regionNames();
  const list = h("div", { id: "request-list" });
  main.append(heading(t("requests.title")), filterForm({ fields: await fields(["open", "fulfilled", "cancelled", "expired"]), values: query, onSubmit: (values) => go("requests", values) }), list);
  const columns = () => [
    title("requests"),
    { key: "quantity", label: t("col.quantity"), num: true, value: (row) => row.quantity, cell: (row) => `${number(row.quantity)} ${row.unit}` },
    { key: "needed_by", label: t("col.neededBy"), value: (row) => row.needed_by, cell: (row) => day(row.needed_by) },
    { key: "region", label: t("col.region"), value: (row) => row.region || "", cell: (row) => names[row.region] || row.region || "–" },
    status(),
    { key: "visibility", label: t("col.visibility"), value: (row) => row.visibility, cell: (row) => statusText(row.visibility) },
  ];
  await pagedList({ path: "v1/requests", query: chosen(query), container: list, draw: (rows) => table({ id: "requests", columns: columns(), rows }) });
}

export async function renderOffers(main, _params, query, { go }) {
  const names = await regionNames();
  const list = h("div", { id: "offer-list" });
  main.append(heading(t("offers.title")), filterForm({ fields: await fields(["draft", "active", "paused", "closed", "expired"]), values: query, onSubmit: (values) => go("offers", values) }), list);
  const columns = () => [
    title("offers"),
    { key: "per_week", label: t("col.perWeek"), num: true, value: (row) => row.capacity.per_week, cell: (row) => `${number(row.capacity.per_week)} ${row.capacity.unit}` },
    { key: "remaining", label: t("col.remaining"), num: true, value: (row) => row.remaining_quantity, cell: (row) => number(row.remaining_quantity) },
    { key: "available", label: t("col.available"), value: (row) => row.available_from, cell: (row) => `${day(row.available_from)} – ${day(row.available_until)}` },
    { key: "region", label: t("col.region"), value: (row) => row.region || "", cell: (row) => names[row.region] || row.region || "–" },
    status(),
    { key: "visibility", label: t("col.visibility"), value: (row) => row.visibility, cell: (row) => statusText(row.visibility) },
  ];
  await pagedList({ path: "v1/offers", query: chosen(query), container: list, draw: (rows) => table({ id: "offers", columns: columns(), rows }) });
}
