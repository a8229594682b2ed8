// Shared pieces of the views: messages, sortable tables, filter forms, taxonomy
// suggestions, paged lists.

import { api, ApiError, credentials } from "./api.js";
import { h, clear, field } from "./dom.js";
import { t, language } from "./i18n.js";

export function say(text) {
  document.getElementById("status").textContent = text || "";
}

/** Show what went wrong: the problem's title and detail, and each field it names. */
export function complain(error) {
  const box = clear(document.getElementById("alert"));
  // A key refused mid-session already sent the reader to sign in again, with a message.
  if (!error || (error.status === 401 && !credentials.key())) return;
  if (!(error instanceof ApiError)) {
    box.append(h("strong", {}, t("error.title")), " ", String(error.message || error));
    return;
  }
  const problem = error.problem;
  const title = error.status === 0 ? t("error.network") : problem.title || t("error.title");
  box.append(h("strong", {}, title));
  if (problem.detail && error.status !== 0) box.append(" ", problem.detail);
  if (Array.isArray(problem.errors) && problem.errors.length) {
    box.append(
      h("ul", { class: "alert-fields" }, problem.errors.map((item) => h("li", {}, h("code", {}, item.field), ": ", item.message))),
    );
  }
}

/** A message of the page's own in the alert region. */
export function warn(text) {
  clear(document.getElementById("alert")).append(text);
}

export function calm() {
  clear(document.getElementById("alert"));
}

/** Run ``work``; whatever it throws is shown, not lost in the console. */
export async function guarded(work) {
  calm();
  try {
    return await work();
  } catch (error) {
    complain(error);
    return undefined;
  }
}

/** A button that runs ``work`` when pressed, showing what goes wrong. */
export function actionButton(label, work, { kind = "secondary", ...attrs } = {}) {
  return h("button", { type: "button", class: kind, ...attrs, on: { click: () => guarded(work) } }, label);
}

/**
 * A table; with ``sortable`` its headers are buttons that sort it (aria-sort says how).
 * columns: [{key, label, num, value(row), cell(row)}].
 */
export function table({ caption, columns, rows, sort, sortable = true, id }) {
  let order = sort || null;
  const body = h("tbody");
  const headers = columns.map((column) => {
    const th = h("th", { scope: "col", class: column.num ? "num" : null, dataset: { key: column.key } });
    if (sortable && column.value) {
      th.append(
        h("button", { type: "button", class: "sort", on: { click: () => toggle(column.key) } }, column.label, h("span", { "aria-hidden": "true", class: "arrow" })),
      );
    } else {
      th.append(column.label);
    }
    return th;
  });

  function toggle(key) {
    order = order && order.key === key ? { key, dir: order.dir === "asc" ? "desc" : "asc" } : { key, dir: "desc" };
    render();
  }

  function render() {
    let shown = rows;
    if (order) {
      const column = columns.find((item) => item.key === order.key);
      const sign = order.dir === "asc" ? 1 : -1;
      shown = [...rows].sort((a, b) => {
        const x = column.value(a);
        const y = column.value(b);
        if (x === y) return 0;
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        return (x < y ? -1 : 1) * sign;
      });
    }
    for (const th of headers) {
      const active = order && th.dataset.key === order.key;
      if (active) th.setAttribute("aria-sort", order.dir === "asc" ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
      const arrow = th.querySelector(".arrow");
      if (arrow) arrow.textContent = active ? (order.dir === "asc" ? "▲" : "▼") : "";
    }
    clear(body);
    if (!shown.length) body.append(h("tr", {}, h("td", { colspan: columns.length, class: "muted" }, t("none"))));
    for (const row of shown) {
      body.append(h("tr", {}, columns.map((column) => h("td", { class: column.num ? "num" : null }, column.cell(row)))));
    }
  }

  render();
  // Wide tables scroll sideways inside their own box instead of widening the page.
  return h("div", { class: "scroll" }, h("table", { id }, caption ? h("caption", {}, caption) : null, h("thead", {}, h("tr", {}, headers)), body));
}

/**
 * A filter form. Its values go into the address after "#/view?", so a filtered list can
 * be bookmarked and the back button works. fields: [{name, label, type, options, list}].
 */
export function filterForm({ fields, values, onSubmit, label = t("filters") }) {
  const controls = fields.map((spec) => {
    let control;
    if (spec.type === "checkbox") {
      // Sent only when ticked, as "true": the API's boolean filters read it so.
      return h("label", { class: "check" }, h("input", { name: spec.name, type: "checkbox", value: "true", checked: values[spec.name] === "true" }), spec.label);
    }
    if (spec.options) {
      control = h(
        "select",
        { name: spec.name },
        h("option", { value: "" }, t("any")),
        spec.options.map(([value, text]) => h("option", { value, selected: values[spec.name] === value }, text)),
      );
    } else {
      control = h("input", {
        name: spec.name,
        type: spec.type || "text",
        value: values[spec.name] ?? "",
        list: spec.list,
        min: spec.min,
        max: spec.max,
        step: spec.step,
        autocomplete: "off",
      });
    }
    return field(spec.label, control);
  });
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": label },
    controls,
    h("button", { type: "submit", class: "primary" }, t("filter.apply")),
    h("button", { type: "reset", class: "secondary" }, t("filter.reset")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = {};
    for (const [name, value] of new FormData(form)) if (value !== "") chosen[name] = value;
    onSubmit(chosen);
  });
  form.addEventListener("reset", (event) => {
    event.preventDefault();
    onSubmit({});
  });
  return form;
}

const vocabularies = {};

/** The codes of one kind (skill, product, certification), labelled in the page's language (loaded once). */
export function vocabulary(kind) {
  const cacheKey = `${kind}:${language()}`;
  if (!vocabularies[cacheKey]) {
    vocabularies[cacheKey] = api(`v1/taxonomy/${kind}s`).then((page) => page.data).catch(() => []);
  }
  return vocabularies[cacheKey];
}

/** A <datalist> of taxonomy codes with labels in the page's language (loaded once). */
export async function codeList(kind) {
  const id = `codes-${kind}`;
  const entries = await vocabulary(kind);
  document.getElementById(id)?.remove();
  const list = h("datalist", { id }, entries.filter((entry) => !entry.deprecated).map((entry) => h("option", { value: entry.code }, entry.label)));
  document.body.append(list);
  return id;
}

/**
 * A list the API pages with cursors: the first page now, the next ones with a button.
 * ``draw(items)`` renders every item so far; the button follows it in ``container``.
 */
export async function pagedList({ path, query, draw, container }) {
  const items = [];
  const more = h("button", { type: "button", class: "secondary", hidden: true }, t("more"));
  let cursor = null;
  async function next() {
    const page = await api(path, { query: { ...query, limit: 50, cursor } });
    items.push(...page.data);
    cursor = page.next_cursor;
    more.hidden = !page.has_more;
    clear(container).append(draw(items), more);
  }
  more.addEventListener("click", () => guarded(next));
  await next();
}

export function facts(pairs) {
  return h(
    "dl",
    { class: "facts" },
    pairs.filter(([, value]) => value !== null && value !== undefined && value !== "").flatMap(([label, value]) => [h("dt", {}, label), h("dd", {}, value)]),
  );
}

export function heading(text) {
  return h("h1", { tabindex: "-1", id: "view-title" }, text);
}

let regions = null;

/** Region names by ISO 3166-2 code in the page's language (loaded once). */
export async function regionNames() {
  regions = regions || api("v1/regions").then((list) => list.data).catch(() => []);
  const key = language() === "de" ? "name_de" : "name_en";
  return Object.fromEntries((await regions).map((item) => [item.code, item[key]]));
}
