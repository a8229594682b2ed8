// One region: its figures by skill and by week, and the way to its requests and offers.

import { api } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { table, heading, filterForm, codeList, regionNames } from "../ui.js";
import { figureColumns, periodFields, periodShown } from "./situation.js";

export async function render(main, [code], query, { go }) {
  const [skills, products] = await Promise.all([codeList("skill"), codeList("product")]);
  const period = { from: query.from, weeks: query.weeks, skill: query.skill, product: query.product, region: code };
  const [names, bySkill, byWeek] = await Promise.all([
    regionNames(),
    api("v1/analytics/supply-demand", { query: { ...period, group_by: "skill", level: 2 } }),
    api("v1/analytics/supply-demand", { query: { ...period, group_by: "week" } }),
  ]);
  const name = names[code] || code;
  const skillColumn = { key: "skill", label: t("col.skill"), value: (row) => row.skill || "", cell: (row) => row.skill || "–" };
  const weekColumn = { key: "week", label: t("col.week"), value: (row) => row.week || "", cell: (row) => row.week || "–" };
  main.append(
    heading(t("region.title", { name })),
    filterForm({ fields: periodFields(skills, products), values: periodShown(query), onSubmit: (chosen) => go(`regions/${code}`, chosen) }),
    h(
      "p",
      { class: "actions" },
      h("a", { href: `#/requests?region=${code}&status=open` }, t("region.requests")),
      h("a", { href: `#/offers?region=${code}&status=active` }, t("region.offers")),
    ),
    h("h2", {}, t("region.bySkill")),
    table({ id: "by-skill", columns: figureColumns(skillColumn), rows: bySkill.data, sort: { key: "shortage", dir: "desc" } }),
    h("h2", {}, t("region.byWeek")),
    table({ id: "by-week", columns: figureColumns(weekColumn), rows: byWeek.data, sort: { key: "week", dir: "asc" } }),
  );
}
