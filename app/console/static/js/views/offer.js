// One offer: its capacity and the open requests it matches (a maker looking for demand).

import { api } from "../api.js";
import { h, badge } from "../dom.js";
import { t, number, percent, kilometres, day, statusText } from "../i18n.js";
import { facts, heading, table, regionNames } from "../ui.js";
import { breakdown } from "./request.js";

export async function render(main, [id]) {
  const [offer, matches, names] = await Promise.all([api(`v1/offers/${id}`), api(`v1/offers/${id}/matches`, { query: { limit: 20 } }), regionNames()]);
  main.append(
    heading(`${t("offer.title")}: ${offer.title}`),
    facts([
      [t("fact.capacity"), `${number(offer.capacity.per_week)} ${offer.capacity.unit}`],
      [t("fact.remaining"), number(offer.remaining_quantity)],
      [t("fact.window"), `${day(offer.available_from)} – ${day(offer.available_until)}`],
      [t("fact.skills"), offer.skills.join(", ")],
      [t("fact.products"), offer.products.join(", ")],
      [t("fact.region"), names[offer.region] || offer.region],
      [t("fact.status"), badge(offer.status, statusText(offer.status))],
    ]),
    h("h2", {}, t("offer.matches")),
    table({
      id: "offer-matches",
      sortable: false,
      columns: [
        { key: "rank", label: t("col.rank"), num: true, cell: (row) => String(row.rank) },
        {
          key: "request",
          label: t("col.request"),
          cell: (row) => [h("a", { href: `#/requests/${row.request.id}` }, row.request.title), h("div", { class: "muted" }, `${row.request.organization.name} · ${kilometres(row.distance_km)}`)],
        },
        { key: "score", label: t("col.score"), num: true, cell: (row) => percent(row.score) },
        { key: "factors", label: t("col.factors"), cell: (row) => breakdown(row.breakdown) },
        { key: "reasons", label: t("col.reasons"), cell: (row) => h("ul", { class: "reasons" }, row.reasons.map((reason) => h("li", {}, reason))) },
      ],
      rows: matches.data,
    }),
  );
}
