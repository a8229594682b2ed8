// One request: what it asks for, its ranked matches with each factor's part and the
// reasons, a hold on any of them, and the holds it has.

import { api } from "../api.js";
import { h, s, badge, field } from "../dom.js";
import { t, number, percent, kilometres, day, statusText } from "../i18n.js";
import { facts, heading, guarded, say, regionNames } from "../ui.js";
import { engagementTable } from "./engagements.js";
import { suggestedEvents } from "./calendar.js";

const BAR = 120;

/** One factor: its name, a bar as long as its value and the value as a number. */
function factor(name, value) {
  const label = t(`factor.${name}`) === `factor.${name}` ? name : t(`factor.${name}`);
  return [
    h("span", {}, label),
    s(
      "svg",
      { class: "bar-svg", width: BAR, height: 10, role: "img", "aria-label": t("factors.label", { factor: label, value: percent(value) }) },
      s("rect", { width: BAR, height: 10, fill: "#e6e9ee", rx: 2 }),
      s("rect", { width: (BAR * Math.max(0, Math.min(1, value))).toFixed(1), height: 10, fill: "#3b528b", rx: 2 }),
    ),
    h("span", { class: "num" }, percent(value)),
  ];
}

export function breakdown(values) {
  return h("div", { class: "factors" }, Object.entries(values).map(([name, value]) => factor(name, value)));
}

function holdForm(request, match, open, changed) {
  const input = h("input", { type: "number", name: "quantity", min: 1, max: match.deliverable_quantity, value: Math.max(1, Math.min(match.deliverable_quantity, open)), required: true });
  const form = h(
    "form",
    { class: "hold-form", dataset: { offer: match.offer.id } },
    field(t("hold.quantity"), input),
    h("button", { type: "submit", class: "primary" }, t("hold.confirm")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(async () => {
      const quantity = Number(input.value);
      await api(`v1/requests/${request.id}/engagements`, { method: "POST", body: { offer_id: match.offer.id, quantity } });
      say(t("hold.placed", { quantity: number(quantity) }));
      await changed();
    });
  });
  return form;
}

function matchList(request, matches, open, changed) {
  if (!matches.length) return h("p", { class: "muted" }, t("none"));
  return h(
    "table",
    { id: "matches", "aria-labelledby": "matches-title" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        [t("col.rank"), t("col.offer"), t("col.score"), t("col.factors"), t("col.reasons"), t("col.actions")].map((label, index) => h("th", { scope: "col", class: index === 2 ? "num" : null }, label)),
      ),
    ),
    h(
      "tbody",
      {},
      matches.map((match) => {
        const place = h("button", { type: "button", class: "secondary", "aria-expanded": "false" }, t("hold.place"));
        const cell = h("td", {}, place);
        place.addEventListener("click", () => {
          place.setAttribute("aria-expanded", "true");
          place.hidden = true;
          const form = holdForm(request, match, open, changed);
          cell.append(form);
          form.querySelector("input").focus();
        });
        return h(
          "tr",
          { dataset: { offer: match.offer.id, rank: String(match.rank) } },
          h("td", { class: "num" }, String(match.rank)),
          h(
            "td",
            {},
            h("a", { href: `#/offers/${match.offer.id}`, class: "offer-title" }, match.offer.title),
            h("div", { class: "muted" }, match.offer.organization.name),
            h("div", { class: "muted" }, `${kilometres(match.distance_km)} · ${t("col.deliverable")} ${number(match.deliverable_quantity)}`),
          ),
          h("td", { class: "num score" }, percent(match.score)),
          h("td", {}, breakdown(match.breakdown)),
          h("td", {}, h("ul", { class: "reasons" }, match.reasons.map((reason) => h("li", {}, reason)))),
          cell,
        );
      }),
    ),
  );
}

export async function render(main, [id], _query, { isCurrent }) {
  const names = await regionNames();
  const sections = {
    matches: h("section", { "aria-labelledby": "matches-title" }),
    engagements: h("section", { "aria-labelledby": "engagements-title" }),
  };
  // Loaded once beside the figures, not again after each hold: holds do not change topics.
  const events = suggestedEvents(id);
  const eventsLoaded = events.fill();
  const draw = async () => {
    const [request, matches, engagements] = await Promise.all([
      api(`v1/requests/${id}`),
      api(`v1/requests/${id}/matches`, { query: { limit: 20 } }),
      api("v1/engagements", { query: { request_id: id, limit: 100 } }),
    ]);
    if (!isCurrent()) return;
    const taken = engagements.data.filter((item) => ["pending", "accepted", "fulfilled"].includes(item.status)).reduce((sum, item) => sum + item.quantity, 0);
    const open = Math.max(0, request.quantity - taken);
    main.replaceChildren(
      heading(`${t("request.title")}: ${request.title}`),
      facts([
        [t("fact.quantity"), `${number(request.quantity)} ${request.unit}`],
        [t("request.open"), number(open)],
        [t("fact.neededBy"), day(request.needed_by)],
        [t("fact.skills"), request.skills.join(", ")],
        [t("fact.products"), request.products.join(", ")],
        [t("fact.required"), request.required_certifications.join(", ")],
        [t("fact.region"), names[request.region] || request.region],
        [t("fact.status"), badge(request.status, statusText(request.status))],
      ]),
      sections.matches,
      sections.engagements,
      events.section,
    );
    sections.matches.replaceChildren(h("h2", { id: "matches-title" }, t("request.matches")), matchList(request, matches.data, open, draw));
    sections.engagements.replaceChildren(h("h2", { id: "engagements-title" }, t("request.engagements")), engagementTable(engagements.data, draw, "request-engagements"));
  };
  await Promise.all([draw(), eventsLoaded]);
}
