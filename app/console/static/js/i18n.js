// English and German: the words of the page from i18n/<lang>.json, numbers and dates
// from Intl, and the API's own texts (match reasons, taxonomy labels) in the same
// language through Accept-Language.

export const LANGUAGES = ["en", "de"];
const STORE = "capmatch.language";
const dictionaries = {};
let current = "en";

function initial() {
  const stored = localStorage.getItem(STORE);
  if (LANGUAGES.includes(stored)) return stored;
  return (navigator.language || "en").toLowerCase().startsWith("de") ? "de" : "en";
}

export async function loadLanguages() {
  await Promise.all(
    LANGUAGES.map(async (code) => {
      const response = await fetch(new URL(`../i18n/${code}.json`, import.meta.url));
      dictionaries[code] = await response.json();
    }),
  );
  current = initial();
  document.documentElement.lang = current;
}

export function language() {
  return current;
}

export function setLanguage(code) {
  if (!LANGUAGES.includes(code)) return;
  current = code;
  localStorage.setItem(STORE, code);
  document.documentElement.lang = code;
}

/** The text of ``key`` with ``{name}`` placeholders filled in. */
export function t(key, vars = {}) {
  const text = dictionaries[current]?.[key] ?? dictionaries.en?.[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** A status word in the current language (the API's value when there is none). */
export function statusText(status) {
  const key = `status.${status}`;
  const text = t(key);
  return text === key ? status : text;
}

function locale() {
  return current === "de" ? "de-DE" : "en-GB";
}

export function number(value) {
  if (value === null || value === undefined) return "–";
  return new Intl.NumberFormat(locale()).format(value);
}

export function percent(value) {
  if (value === null || value === undefined) return "–";
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 0 }).format(value);
}

export function kilometres(value) {
  if (value === null || value === undefined) return "–";
  return `${new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 }).format(value)} km`;
}

/** A date (YYYY-MM-DD) or timestamp as the reader's locale writes it. */
export function day(value) {
  if (!value) return "–";
  const parsed = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
  const options = value.length === 10 ? { dateStyle: "medium", timeZone: "UTC" } : { dateStyle: "medium", timeStyle: "short" };
  return new Intl.DateTimeFormat(locale(), options).format(parsed);
}

/** A language code ("de", "en-gb") by its name in the page's language. */
export function languageName(code) {
  if (!code) return "–";
  try {
    return new Intl.DisplayNames([locale()], { type: "language" }).of(code) || code;
  } catch {
    return code;
  }
}

function inZone(zone, options) {
  try {
    return new Intl.DateTimeFormat(locale(), { ...options, timeZone: zone });
  } catch {
    // A zone this browser does not know: UTC, which the page then names.
    return new Intl.DateTimeFormat(locale(), { ...options, timeZone: "UTC" });
  }
}

/** The calendar date (YYYY-MM-DD) of an instant where the event is held. */
export function zonedDate(value, zone) {
  let parts;
  try {
    parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(new Date(value));
  } catch {
    return value.slice(0, 10);
  }
  const part = (type) => parts.find((item) => item.type === type).value;
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** A day heading: "Wednesday, 20 January 2027". */
export function longDay(date) {
  return new Intl.DateTimeFormat(locale(), { dateStyle: "full", timeZone: "UTC" }).format(new Date(`${date}T12:00:00Z`));
}

/** When an event is, in its own zone: "14:00–15:30", with the dates when it spans days. */
export function zonedRange(start, end, zone) {
  const sameDay = zonedDate(start, zone) === zonedDate(end, zone);
  const format = inZone(zone, sameDay ? { timeStyle: "short" } : { dateStyle: "medium", timeStyle: "short" });
  return format.formatRange(new Date(start), new Date(end));
}

/** A date and time in an event's zone: "20 Jan 2027, 14:00". */
export function zonedMoment(value, zone) {
  return inZone(zone, { dateStyle: "medium", timeStyle: "short" }).format(new Date(value));
}

/** Languages offered for an event or a notice (any ISO 639-1 code is accepted by the API). */
export const CONTENT_LANGUAGES = ["de", "en", "fr", "it", "nl", "pl", "cs", "da"];

/** [code, name] pairs for a language choice, by name in the page's language. */
export function languageChoices() {
  return CONTENT_LANGUAGES.map((code) => [code, languageName(code)]).sort((a, b) => a[1].localeCompare(b[1]));
}
