// The calendar of the networks: webinars, fairs and matchmaking days, grouped by day and
// shown in each event's own time zone; a form to add one, Cancel for the reader's own,
// and links for calendar apps. Also the events a request's topics suggest.

import { api } from "../api.js";
import { h, badge, externalLink } from "../dom.js";
import { t, statusText, languageName, languageChoices, zonedDate, zonedRange, zonedMoment, longDay } from "../i18n.js";
import { filterForm, pagedList, heading, say, actionButton, facts } from "../ui.js";
import { members, mayPost } from "../members.js";
import { topicList, topicNamer, topicTags } from "../topics.js";
import { eventForm } from "./event-form.js";
import { subscriptionPanel } from "./subscriptions.js";

const FILTERS = ["from", "to", "topic", "language", "q", "status"];
// What a calendar link may carry of these filters (the dates move with time, so not those).
const FEED_FILTERS = ["topic", "language", "q"];

function chosen(query) {
  return Object.fromEntries(FILTERS.filter((name) => query[name]).map((name) => [name, query[name]]));
}

function place(location) {
  if (!location) return null;
  if (typeof location === "string") return location;
  return Object.values(location).filter((value) => typeof value === "string" && value).join(", ") || null;
}

/** When an event is, in its own zone, and which zone that is. */
export function when(event) {
  return h(
    "span",
    { class: "when" },
    h("time", { datetime: event.starts_at }, zonedRange(event.starts_at, event.ends_at, event.timezone)),
    " ",
    h("span", { class: "zone" }, event.timezone),
  );
}

function eventItem(event, { name, own, cancel }) {
  const cancelled = event.status === "cancelled";
  const actions = [];
  if (event.registration_url) actions.push(externalLink(event.registration_url, t("calendar.register")));
  if (!cancelled && own.has(event.organization_id)) {
    actions.push(
      actionButton(t("calendar.cancel"), () => cancel(event), { kind: "danger", "aria-label": `${t("calendar.cancel")}: ${event.title}` }),
    );
  }
  return h(
    "li",
    { class: cancelled ? "event cancelled" : "event", dataset: { event: event.id, status: event.status } },
    h("h3", {}, h("span", { class: "event-title" }, event.title), cancelled ? [" ", badge("cancelled", t("calendar.status.cancelled"))] : null),
    h("p", { class: "event-when" }, when(event)),
    facts([
      [t("fact.organizer"), event.organization_name],
      [t("fact.online"), event.online_url ? externalLink(event.online_url) : null],
      [t("fact.location"), place(event.location)],
      [t("fact.topics"), topicTags(event.topics, name)],
      [t("fact.language"), event.language ? languageName(event.language) : null],
      [t("fact.visibility"), statusText(event.visibility)],
    ]),
    event.description ? h("p", { class: "description" }, event.description) : null,
    actions.length ? h("div", { class: "actions" }, actions) : null,
  );
}

/** Events as one section per day (the day where each is held), in the API's order. */
function days(events, context) {
  if (!events.length) return h("p", { class: "muted" }, t("calendar.empty"));
  const groups = new Map();
  for (const event of events) {
    const date = zonedDate(event.starts_at, event.timezone);
    if (!groups.has(date)) groups.set(date, []);
    groups.get(date).push(event);
  }
  return h(
    "div",
    { class: "days" },
    [...groups.keys()].sort().map((date) =>
      h(
        "section",
        { class: "day", dataset: { date }, "aria-labelledby": `day-${date}` },
        h("h2", { id: `day-${date}` }, h("time", { datetime: date }, longDay(date))),
        h("ul", { class: "events" }, groups.get(date).map((event) => eventItem(event, context))),
      ),
    ),
  );
}

export async function render(main, _params, query, { go }) {
  const [listId, name, organizations] = await Promise.all([topicList(), topicNamer(), members()]);
  const own = new Set(organizations.map((organization) => organization.id));
  const filters = chosen(query);
  const list = h("div", { id: "event-list" });
  const draw = () =>
    pagedList({
      path: "v1/calendar-events",
      // Cancelled events stay in the list, struck through, unless a status is chosen.
      query: { ...filters, status: filters.status || "all" },
      container: list,
      draw: (events) => days(events, { name, own, cancel }),
    });
  async function cancel(event) {
    await api(`v1/calendar-events/${event.id}`, { method: "DELETE" });
    say(t("calendar.cancelledNow", { title: event.title }));
    await draw();
  }
  const fields = [
    { name: "from", label: t("filter.from"), type: "date" },
    { name: "to", label: t("filter.to"), type: "date" },
    { name: "topic", label: t("filter.topic"), list: listId },
    { name: "language", label: t("filter.language"), options: languageChoices() },
    { name: "q", label: t("filter.q") },
    { name: "status", label: t("filter.status"), options: [["scheduled", t("calendar.status.scheduled")], ["cancelled", t("calendar.status.cancelled")]] },
  ];
  const subscriptions = subscriptionPanel({
    feed: "calendar",
    filters: () => Object.fromEntries(FEED_FILTERS.filter((key) => filters[key]).map((key) => [key, filters[key]])),
  });
  const parts = [
    heading(t("calendar.title")),
    filterForm({ fields, values: query, onSubmit: (values) => go("calendar", values) }),
    mayPost() ? eventForm({ organizations, listId, name, created: draw }) : null,
    h("h2", { class: "sr-only" }, t("calendar.upcoming")),
    list,
    subscriptions.element,
  ];
  main.append(...parts.filter(Boolean));
  await Promise.all([draw(), subscriptions.refresh()]);
}

/** "Events on these topics": up to five events a request's skills and products suggest. */
export function suggestedEvents(requestId) {
  const section = h("section", { id: "request-events", "aria-labelledby": "request-events-title" }, h("h2", { id: "request-events-title" }, t("request.events")));
  const fill = async () => {
    let answer;
    try {
      answer = await api(`v1/requests/${requestId}/events`, { query: { limit: 5 } });
    } catch {
      // The request's own figures matter more: a failure here only says so in its section.
      section.append(h("p", { class: "muted" }, t("request.eventsFailed")));
      return;
    }
    const name = await topicNamer();
    if (!answer.data.length) {
      section.append(h("p", { class: "muted" }, t("request.noEvents")));
      return;
    }
    section.append(
      h(
        "ul",
        { class: "suggestions" },
        answer.data.slice(0, 5).map(({ event, matched_topics: matched }) => {
          const date = zonedDate(event.starts_at, event.timezone);
          return h(
            "li",
            { dataset: { event: event.id } },
            h("a", { href: `#/calendar?from=${date}&to=${date}` }, event.title),
            " ",
            h("span", { class: "muted" }, `${zonedMoment(event.starts_at, event.timezone)} ${event.timezone}`),
            matched.length ? h("div", { class: "matched" }, `${t("request.matchedTopics")}: `, matched.map(name).join(", ")) : null,
          );
        }),
      ),
    );
  };
  return { section, fill };
}
