// Webhook endpoints: add one (its secret shown once), send a test, read the delivery
// log and retry a delivery.

import { api } from "../api.js";
import { h, badge, field } from "../dom.js";
import { t, day, statusText } from "../i18n.js";
import { table, heading, guarded, say, pagedList, actionButton } from "../ui.js";

function createForm(shown, changed) {
  const url = h("input", { name: "url", type: "url", required: true, placeholder: "https://portal.example/hooks" });
  const types = h("input", { name: "event_types", value: "*" });
  const description = h("input", { name: "description" });
  const form = h(
    "form",
    { class: "stack", "aria-labelledby": "create-title" },
    field(t("webhooks.url"), url),
    field(t("webhooks.types"), types),
    field(t("webhooks.description"), description),
    h("button", { type: "submit", class: "primary" }, t("webhooks.add")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(async () => {
      const body = { url: url.value.trim(), event_types: types.value.split(",").map((item) => item.trim()).filter(Boolean) };
      if (description.value.trim()) body.description = description.value.trim();
      const created = await api("v1/webhook-endpoints", { method: "POST", body });
      form.reset();
      shown.replaceChildren(h("p", {}, t("webhooks.secret", { url: created.url })), h("p", { class: "secret", id: "webhook-secret" }, created.secret));
      await changed();
    });
  });
  return form;
}

export async function render(main) {
  const list = h("div", { id: "endpoint-list" });
  const secret = h("div", { "aria-live": "polite" });
  const draw = () =>
    pagedList({
      path: "v1/webhook-endpoints",
      query: {},
      container: list,
      draw: (rows) =>
        table({
          id: "endpoints",
          columns: [
            { key: "url", label: t("col.url"), value: (row) => row.url, cell: (row) => h("a", { href: `#/webhooks/${row.id}` }, row.url) },
            { key: "events", label: t("col.events"), cell: (row) => row.event_types.join(", ") },
            { key: "status", label: t("col.status"), value: (row) => row.status, cell: (row) => badge(row.status, statusText(row.status)) },
            {
              key: "actions",
              label: t("col.actions"),
              cell: (row) =>
                h(
                  "div",
                  { class: "actions" },
                  actionButton(t("webhooks.test"), async () => {
                    await api(`v1/webhook-endpoints/${row.id}/test`, { method: "POST" });
                    say(t("webhooks.tested"));
                  }),
                  h("a", { href: `#/webhooks/${row.id}` }, t("webhooks.deliveries")),
                ),
            },
          ],
          rows,
        }),
    });
  main.append(heading(t("webhooks.title")), list, h("h2", { id: "create-title" }, t("webhooks.create")), secret, createForm(secret, draw));
  await draw();
}

export async function renderDeliveries(main, [id]) {
  const endpoint = await api(`v1/webhook-endpoints/${id}`);
  const list = h("div", { id: "delivery-list" });
  const draw = () =>
    pagedList({
      path: `v1/webhook-endpoints/${id}/deliveries`,
      query: {},
      container: list,
      draw: (rows) =>
        table({
          id: "deliveries",
          columns: [
            { key: "created", label: t("col.created"), value: (row) => row.created_at, cell: (row) => day(row.created_at) },
            { key: "event", label: t("col.event"), value: (row) => row.event_type, cell: (row) => row.event_type },
            { key: "attempt", label: t("col.attempt"), num: true, value: (row) => row.attempt, cell: (row) => String(row.attempt) },
            { key: "status", label: t("col.status"), value: (row) => row.status, cell: (row) => badge(row.status, statusText(row.status)) },
            { key: "response", label: t("col.response"), num: true, value: (row) => row.response_status ?? -1, cell: (row) => (row.response_status ? String(row.response_status) : "–") },
            { key: "duration", label: t("col.duration"), num: true, value: (row) => row.duration_ms ?? -1, cell: (row) => (row.duration_ms === null ? "–" : `${row.duration_ms} ms`) },
            { key: "next", label: t("col.next"), value: (row) => row.next_attempt_at || "", cell: (row) => day(row.next_attempt_at) },
            { key: "error", label: t("col.error"), cell: (row) => row.error || "" },
            {
              key: "actions",
              label: t("col.actions"),
              cell: (row) =>
                row.status === "succeeded"
                  ? ""
                  : actionButton(t("webhooks.retry"), async () => {
                      await api(`v1/webhook-endpoints/${id}/deliveries/${row.id}/retry`, { method: "POST" });
                      say(t("webhooks.retried"));
                      await draw();
                    }),
            },
          ],
          rows,
          sort: { key: "created", dir: "desc" },
        }),
    });
  main.append(heading(`${t("webhooks.deliveries")}: ${endpoint.url}`), h("p", {}, h("a", { href: "#/webhooks" }, t("webhooks.back"))), list);
  await draw();
}
