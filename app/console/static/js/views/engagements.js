// Holds and engagements: the caller's, with the actions its side may take.

import { api } from "../api.js";
import { h, badge } from "../dom.js";
import { t, number, day, statusText } from "../i18n.js";
import { table, filterForm, pagedList, heading, say, actionButton } from "../ui.js";

// Who may do what from which status: the rules of app/engagements/rules.py, so the page
// offers only the buttons the API will accept (it checks again anyway).
const ALLOWED = {
  accept: { pending: ["seller"] },
  decline: { pending: ["seller"] },
  cancel: { pending: ["buyer"], accepted: ["buyer", "seller"] },
  fulfil: { accepted: ["buyer", "seller"] },
};

function actionsFor(engagement) {
  return Object.entries(ALLOWED)
    .filter(([, from]) => (from[engagement.status] || []).some((side) => engagement.your_sides.includes(side)))
    .map(([action]) => action);
}

/** A table of engagements; ``changed()`` after an action succeeded. */
export function engagementTable(rows, changed, id = "engagements") {
  const act = async (engagement, action) => {
    const updated = await api(`v1/engagements/${engagement.id}/${action}`, { method: "POST", body: {} });
    say(t("action.done", { status: statusText(updated.status) }));
    await changed();
  };
  return table({
    id,
    columns: [
      { key: "request", label: t("col.request"), value: (row) => row.request_id, cell: (row) => h("a", { href: `#/requests/${row.request_id}` }, row.request_id) },
      { key: "offer", label: t("col.offer"), value: (row) => row.offer_id, cell: (row) => h("a", { href: `#/offers/${row.offer_id}` }, row.offer_id) },
      { key: "buyer", label: t("col.buyer"), value: (row) => row.buyer.name, cell: (row) => row.buyer.name },
      { key: "seller", label: t("col.seller"), value: (row) => row.seller.name, cell: (row) => row.seller.name },
      { key: "quantity", label: t("col.quantity"), num: true, value: (row) => row.quantity, cell: (row) => number(row.quantity) },
      { key: "status", label: t("col.status"), value: (row) => row.status, cell: (row) => badge(row.status, statusText(row.status)) },
      { key: "expires", label: t("col.expires"), value: (row) => row.expires_at || "", cell: (row) => (row.status === "pending" ? day(row.expires_at) : "–") },
      {
        key: "actions",
        label: t("col.actions"),
        cell: (row) =>
          h(
            "div",
            { class: "actions" },
            actionsFor(row).map((action) =>
              actionButton(t(`action.${action}`), () => act(row, action), {
                kind: action === "decline" || action === "cancel" ? "danger" : "primary",
                "data-action": action,
                "aria-label": `${t(`action.${action}`)}: ${row.seller.name}, ${number(row.quantity)}`,
              }),
            ),
          ),
      },
    ],
    rows,
    sort: null,
  });
}

export async function render(main, _params, query, { go }) {
  const list = h("div", { id: "engagement-list" });
  const fields = [
    { name: "status", label: t("filter.status"), options: ["pending", "accepted", "declined", "cancelled", "expired", "fulfilled"].map((value) => [value, statusText(value)]) },
    { name: "role", label: t("filter.role"), options: [["buyer", t("side.buyer")], ["seller", t("side.seller")]] },
  ];
  main.append(heading(t("engagements.title")), filterForm({ fields, values: query, onSubmit: (values) => go("engagements", values) }), list);
  const filters = { status: query.status, role: query.role };
  const draw = () => pagedList({ path: "v1/engagements", query: filters, container: list, draw: (rows) => engagementTable(rows, draw) });
  await draw();
}
