// The organisations this key acts for: a partner key its members, an organisation key
// itself. They fill the organisation choice of the forms and tell which calendar events
// and notices are the reader's own (those get Cancel and Withdraw buttons).

import { api, credentials } from "./api.js";
import { h, field } from "./dom.js";
import { t } from "./i18n.js";

// Enough for any cluster; the choice lists them by name.
const MAX_PAGES = 10;
let cached = { key: null, list: null };

async function fetchAll() {
  const found = [];
  let cursor = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer = await api("v1/organizations", { query: { limit: 100, cursor } });
    found.push(...answer.data);
    if (!answer.has_more) break;
    cursor = answer.next_cursor;
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** The organisations the key may act for (none for the operator's key). */
export function members() {
  const key = credentials.key();
  if (credentials.kind() === "admin") return Promise.resolve([]);
  if (cached.key !== key) cached = { key, list: fetchAll().catch(() => []) };
  return cached.list;
}

/** The ids of the organisations the key acts for: what "your own" means on the page. */
export async function ownIds() {
  return new Set((await members()).map((organization) => organization.id));
}

/** Whether this key may post at all (the operator's key acts for no organisation). */
export function mayPost() {
  return credentials.kind() !== "admin";
}

/**
 * The organisation a partner posts for, as a required choice; an organisation key posts
 * for itself, so it gets no control (null) and sends no organization_id.
 */
export function organizationField(list) {
  if (credentials.kind() !== "partner") return null;
  const select = h(
    "select",
    { name: "organization_id", required: true },
    h("option", { value: "" }, t("form.chooseOrganization")),
    list.map((organization) => h("option", { value: organization.id }, organization.name)),
  );
  return field(t("form.organization"), select);
}
