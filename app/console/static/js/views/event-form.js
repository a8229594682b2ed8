// The form that adds a calendar event. Start and end are written as the clock shows them
// where the event is held (datetime-local, no offset) and sent with that zone, which the
// API reads them in: a webinar at 14:00 in Berlin stays at 14:00 in Berlin whatever zone
// the reader's browser is in.

import { api, credentials } from "../api.js";
import { h, field } from "../dom.js";
import { t, statusText, languageChoices } from "../i18n.js";
import { guarded, say } from "../ui.js";
import { organizationField } from "../members.js";
import { topicPicker } from "../topics.js";

export const DEFAULT_ZONE = "Europe/Berlin";
const HOUR_MS = 3_600_000;

function zones() {
  // Every zone this browser knows, for suggestions; the API checks the one sent.
  const known = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [DEFAULT_ZONE];
  document.getElementById("time-zones")?.remove();
  document.body.append(h("datalist", { id: "time-zones" }, known.map((zone) => h("option", { value: zone }))));
  return "time-zones";
}

/** "2027-01-20T14:00" (datetime-local) as the API's local date-time "2027-01-20T14:00:00". */
function wallClock(value) {
  return value.length === 16 ? `${value}:00` : value;
}

/** One hour after a datetime-local value, as a datetime-local value (the usual length). */
function hourLater(value) {
  const later = new Date(Date.parse(`${value}Z`) + HOUR_MS);
  return later.toISOString().slice(0, 16);
}

function select(name, choices, selected) {
  return h("select", { name }, choices.map(([value, text]) => h("option", { value, selected: value === selected }, text)));
}

/** A collapsible form; ``created()`` after the API accepted an event. */
export function eventForm({ organizations, listId, name, created }) {
  const inputs = {
    title: h("input", { name: "title", required: true, maxlength: 200 }),
    description: h("textarea", { name: "description", rows: 3 }),
    starts_at: h("input", { name: "starts_at", type: "datetime-local", required: true }),
    ends_at: h("input", { name: "ends_at", type: "datetime-local", required: true }),
    timezone: h("input", { name: "timezone", value: DEFAULT_ZONE, required: true, list: zones(), autocomplete: "off", spellcheck: "false" }),
    online_url: h("input", { name: "online_url", type: "url", placeholder: "https://" }),
    location: h("input", { name: "location", maxlength: 500 }),
    language: select("language", [["", "–"], ...languageChoices()], ""),
    visibility: select("visibility", ["shared", "network"].map((value) => [value, statusText(value)]), "shared"),
    registration_url: h("input", { name: "registration_url", type: "url", placeholder: "https://" }),
  };
  inputs.starts_at.addEventListener("change", () => {
    if (inputs.starts_at.value && !inputs.ends_at.value) inputs.ends_at.value = hourLater(inputs.starts_at.value);
  });
  const topics = topicPicker({ listId, name });
  const organization = organizationField(organizations);
  const form = h(
    "form",
    { class: "stack", id: "event-form", "aria-labelledby": "event-form-title" },
    organization,
    field(t("form.title"), inputs.title),
    field(t("form.description"), inputs.description),
    h(
      "div",
      { class: "row" },
      field(t("event.starts"), inputs.starts_at),
      field(t("event.ends"), inputs.ends_at),
      field(t("event.timezone"), inputs.timezone),
    ),
    h("p", { class: "muted" }, t("event.zoneHint")),
    field(t("event.online"), inputs.online_url),
    field(t("event.location"), inputs.location),
    topics.element,
    h("div", { class: "row" }, field(t("form.language"), inputs.language), field(t("form.visibility"), inputs.visibility)),
    field(t("event.registration"), inputs.registration_url),
    h("button", { type: "submit", class: "primary" }, t("event.create")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(async () => {
      const body = {
        title: inputs.title.value.trim(),
        starts_at: wallClock(inputs.starts_at.value),
        ends_at: wallClock(inputs.ends_at.value),
        timezone: inputs.timezone.value.trim(),
        topics: topics.values(),
        visibility: inputs.visibility.value,
      };
      for (const key of ["description", "online_url", "location", "language", "registration_url"]) {
        if (inputs[key].value.trim()) body[key] = inputs[key].value.trim();
      }
      if (credentials.kind() === "partner") body.organization_id = form.elements.organization_id.value;
      const answer = await api("v1/calendar-events", { method: "POST", body });
      form.reset();
      topics.reset();
      say(t("event.created", { title: answer.title }));
      await created();
    });
  });
  return h(
    "details",
    { class: "create", id: "event-create" },
    h("summary", { id: "event-form-title" }, t("event.new")),
    form,
  );
}
