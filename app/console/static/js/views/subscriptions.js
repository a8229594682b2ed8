// Feed links for apps that cannot send an API key: a calendar app reading the .ics, a
// feed reader reading the notices' Atom feed. The link carries a read-only token (shown
// once, here); the list below lets the reader revoke any link made with this key.

import { api } from "../api.js";
import { h, badge, field } from "../dom.js";
import { t, day } from "../i18n.js";
import { table, guarded, say, actionButton } from "../ui.js";

async function copy(input) {
  try {
    await navigator.clipboard.writeText(input.value);
    say(t("subscribe.copied"));
  } catch {
    // No clipboard API (plain http inside a LAN, or no permission): select it for Ctrl+C.
    input.focus();
    input.select();
    say(document.execCommand("copy") ? t("subscribe.copied") : t("subscribe.copyByHand"));
  }
}

function filterSummary(filters) {
  const shown = Object.entries(filters || {}).filter(([, value]) => value !== null && value !== "");
  return shown.length ? shown.map(([name, value]) => `${name}: ${value}`).join(", ") : "–";
}

function shownOnce(created, feed) {
  const url = h("input", { type: "text", readonly: true, value: created.url, id: `${feed}-subscription-url`, class: "feed-url", spellcheck: "false" });
  const button = h("button", { type: "button", class: "secondary" }, t("subscribe.copy"));
  button.addEventListener("click", () => copy(url));
  return [
    field(t(`subscribe.url.${feed}`), url),
    h("div", { class: "actions" }, button),
    h("p", { class: "warning" }, t(`subscribe.explain.${feed}`)),
  ];
}

/**
 * The subscribe form and the list of links for one feed ("calendar" or "notices").
 * ``filters()`` are the view's current filters in the subscription's terms.
 */
export function subscriptionPanel({ feed, filters }) {
  const list = h("div", { id: `${feed}-subscriptions` });
  const result = h("div", { class: "feed-link", "aria-live": "polite" });
  const name = h("input", { name: "name", autocomplete: "off", maxlength: 200 });
  const form = h(
    "form",
    { class: "filters", "aria-label": t(`subscribe.title.${feed}`) },
    field(t("subscribe.name"), name),
    h("button", { type: "submit", class: "primary" }, t("subscribe.submit")),
  );

  async function refresh() {
    const answer = await api("v1/calendar-subscriptions", { query: { limit: 100 } });
    const rows = answer.data.filter((item) => item.feed === feed);
    list.replaceChildren(
      table({
        id: `${feed}-subscription-table`,
        caption: t(`subscribe.list.${feed}`),
        sortable: false,
        columns: [
          { key: "name", label: t("col.name"), cell: (row) => row.name || "–" },
          { key: "filters", label: t("col.filters"), cell: (row) => filterSummary(row.filters) },
          { key: "token", label: t("col.token"), cell: (row) => h("code", {}, `${row.token_prefix}…`) },
          { key: "created", label: t("col.created"), cell: (row) => day(row.created_at) },
          {
            key: "actions",
            label: t("col.actions"),
            cell: (row) =>
              row.revoked_at
                ? badge("revoked", t("subscribe.revoked"))
                : actionButton(
                    t("subscribe.revoke"),
                    async () => {
                      await api(`v1/calendar-subscriptions/${row.id}`, { method: "DELETE" });
                      say(t("subscribe.revokedNow"));
                      await refresh();
                    },
                    { kind: "danger", "aria-label": `${t("subscribe.revoke")}: ${row.name || row.token_prefix}` },
                  ),
          },
        ],
        rows,
      }),
    );
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(async () => {
      const body = { feed, filters: filters() };
      if (name.value.trim()) body.name = name.value.trim();
      const created = await api("v1/calendar-subscriptions", { method: "POST", body });
      name.value = "";
      result.replaceChildren(...shownOnce(created, feed));
      await refresh();
      result.querySelector("input").focus();
    });
  });

  const element = h(
    "section",
    { "aria-labelledby": `${feed}-subscribe-title`, class: "subscribe" },
    h("h2", { id: `${feed}-subscribe-title` }, t(`subscribe.title.${feed}`)),
    h("p", {}, t(`subscribe.intro.${feed}`)),
    form,
    result,
    list,
  );
  return { element, refresh };
}
