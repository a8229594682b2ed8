// The console is a client like any partner site: every call goes to the public API
// with the user's key. The key lives in sessionStorage (this tab only, gone when it
// closes) and only ever travels in the Authorization header, never in an address.

import { language } from "./i18n.js";

const KEY = "capmatch.key";

export const credentials = {
  key: () => sessionStorage.getItem(KEY),
  kind() {
    const key = this.key() || "";
    if (key.startsWith("cmp_")) return "partner";
    if (key.startsWith("cmo_")) return "organization";
    return "admin";
  },
  store: (key) => sessionStorage.setItem(KEY, key),
  forget: () => sessionStorage.removeItem(KEY),
};

/** A problem+json answer (RFC 9457), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

/** The API's address relative to the page, so a proxy prefix in front of both works. */
export function apiUrl(path, query = {}) {
  const url = new URL(path.replace(/^\//, ""), document.baseURI);
  for (const [name, value] of Object.entries(query)) {
    if (value === null || value === undefined || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(name, item);
  }
  return url;
}

function idempotencyKey() {
  // crypto.randomUUID needs a secure context; a console on plain http inside a LAN has none.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

let onUnauthorized = () => {};
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

/**
 * Call the API. ``body`` is sent as JSON, ``form`` (FormData) as multipart. Every POST
 * carries a fresh Idempotency-Key, so a retried click never does a thing twice.
 */
export async function api(path, { method = "GET", query, body, form, key } = {}) {
  const headers = { Accept: "application/json", "Accept-Language": language() };
  const token = key ?? credentials.key();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (method === "POST") headers["Idempotency-Key"] = idempotencyKey();
  let payload;
  if (form) payload = form;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(apiUrl(path, query), { method, headers, body: payload, credentials: "omit", cache: "no-store" });
  } catch (error) {
    throw new ApiError(0, { detail: error.message });
  }
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const error = new ApiError(response.status, typeof data === "object" ? data : { detail: data });
    if (response.status === 401 && key === undefined) onUnauthorized(error);
    throw error;
  }
  return data;
}
