// The console's shell: sign-in, navigation, language switch and the routes in the
// address's fragment (#/requests?skill=...): filters may go there, the key never does.

import { credentials, whenUnauthorized, api } from "./api.js";
import { h, clear } from "./dom.js";
import { t, loadLanguages, setLanguage, language, LANGUAGES } from "./i18n.js";
import { say, calm, complain, guarded, warn } from "./ui.js";
import * as situation from "./views/situation.js";
import * as region from "./views/region.js";
import * as lists from "./views/lists.js";
import * as request from "./views/request.js";
import * as offer from "./views/offer.js";
import * as engagements from "./views/engagements.js";
import * as webhooks from "./views/webhooks.js";
import * as imports from "./views/imports.js";
import * as calendar from "./views/calendar.js";
import * as notices from "./views/notices.js";
import * as notice from "./views/notice.js";

const ROUTES = [
  [/^$/, situation.render],
  [/^situation$/, situation.render],
  [/^regions\/([^/]+)$/, region.render],
  [/^requests$/, lists.renderRequests],
  [/^requests\/([^/]+)$/, request.render],
  [/^offers$/, lists.renderOffers],
  [/^offers\/([^/]+)$/, offer.render],
  [/^engagements$/, engagements.render],
  [/^webhooks$/, webhooks.render],
  [/^webhooks\/([^/]+)$/, webhooks.renderDeliveries],
  [/^imports$/, imports.render],
  [/^calendar$/, calendar.render],
  [/^notices$/, notices.render],
  [/^notices\/([^/]+)$/, notice.render],
];

const NAV = [
  ["situation", "nav.situation"],
  ["requests", "nav.requests"],
  ["offers", "nav.offers"],
  ["engagements", "nav.engagements"],
  ["calendar", "nav.calendar"],
  ["notices", "nav.notices"],
  ["webhooks", "nav.webhooks"],
  ["imports", "nav.imports"],
];

/** Go to a view: ``go("requests", {skill: "textile"})``. */
export function go(path, query = {}) {
  const search = new URLSearchParams(query).toString();
  location.hash = `#/${path}${search ? `?${search}` : ""}`;
}

function current() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, search = ""] = raw.split("?");
  return { path: decodeURIComponent(path), query: Object.fromEntries(new URLSearchParams(search)) };
}

function drawChrome() {
  document.title = t("app.title");
  document.getElementById("skip-link").textContent = t("skip");
  const signedIn = Boolean(credentials.key());
  const nav = clear(document.getElementById("nav"));
  nav.setAttribute("aria-label", t("nav.main"));
  const { path } = current();
  const section = path.split("/")[0] || "situation";
  if (signedIn) {
    for (const [target, key] of NAV) {
      nav.append(h("a", { href: `#/${target}`, "aria-current": section === target || (section === "regions" && target === "situation") ? "page" : null }, t(key)));
    }
  }
  const languages = clear(document.getElementById("languages"));
  languages.setAttribute("aria-label", t("language"));
  for (const code of LANGUAGES) {
    languages.append(
      h(
        "button",
        {
          type: "button",
          lang: code,
          "aria-pressed": String(code === language()),
          "aria-label": code === "de" ? "Deutsch" : "English",
          on: { click: () => switchLanguage(code) },
        },
        code.toUpperCase(),
      ),
    );
  }
  const who = document.getElementById("who");
  who.textContent = signedIn ? `${t(`signedin.${credentials.kind()}`)} ${credentials.key().slice(0, 8)}…` : "";
  const signOut = document.getElementById("sign-out");
  signOut.hidden = !signedIn;
  signOut.textContent = t("signout");
}

function switchLanguage(code) {
  setLanguage(code);
  route();
}

function signIn(message) {
  const main = clear(document.getElementById("content"));
  const input = h("input", { id: "api-key", name: "api_key", type: "password", autocomplete: "off", spellcheck: "false", required: true });
  const form = h(
    "form",
    { class: "stack", method: "post", "aria-labelledby": "view-title" },
    h("label", { class: "field", for: "api-key" }, t("signin.key")),
    input,
    h("button", { type: "submit", class: "primary" }, t("signin.submit")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    calm();
    try {
      // Any key may list its events: the cheapest way to learn the key is accepted.
      await api("v1/events", { query: { limit: 1 }, key });
    } catch (error) {
      if (error.status === 401) warn(t("signin.rejected"));
      else complain(error);
      return;
    }
    credentials.store(key);
    input.value = "";
    visit("#/situation");
  });
  main.append(
    h("section", { class: "signin" }, h("h1", { tabindex: "-1", id: "view-title" }, t("signin.title")), h("p", {}, t("signin.intro")), form),
  );
  if (message) say(message);
  input.focus();
}

/** Show ``hash``: through hashchange when the address changes, at once when it does not. */
function visit(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

let generation = 0;

async function route() {
  drawChrome();
  calm();
  if (!credentials.key()) {
    signIn();
    return;
  }
  const { path, query } = current();
  const match = ROUTES.map(([pattern, view]) => [path.match(pattern), view]).find(([found]) => found);
  const [found, view] = match || [[], situation.render];
  const mine = ++generation;
  const main = clear(document.getElementById("content"));
  main.setAttribute("aria-busy", "true");
  say(t("loading"));
  await guarded(() => view(main, found.slice(1).map(decodeURIComponent), query, { go, isCurrent: () => mine === generation }));
  if (mine !== generation) return;
  main.removeAttribute("aria-busy");
  say("");
  document.getElementById("view-title")?.focus();
}

async function start() {
  await loadLanguages();
  whenUnauthorized(() => {
    credentials.forget();
    drawChrome();
    signIn(t("signin.expired"));
  });
  document.getElementById("sign-out").addEventListener("click", () => {
    credentials.forget();
    visit("#/");
  });
  window.addEventListener("hashchange", route);
  await route();
}

start();
