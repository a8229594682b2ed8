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
