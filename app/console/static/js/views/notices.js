// Notices: calls for partners, funding calls, changes of standards. The list with the
// API's filters, a form to post one (as a draft or published), and the Atom feed link.

import { api, credentials } from "../api.js";
import { h, badge, field } from "../dom.js";
import { t, day, statusText, languageChoices } from "../i18n.js";
import { table, filterForm, pagedList, heading, guarded, say } from "../ui.js";
import { members, mayPost, organizationField } from "../members.js";
import { topicList, topicNamer, topicPicker, topicTags } from "../topics.js";
import { subscriptionPanel } from "./subscriptions.js";

export const KINDS = ["call_for_partners", "funding", "standard", "other"];
const FILTERS = ["kind", "topic", "q", "status", "open"];
const FEED_FILTERS = ["kind", "topic", "q"];

/** The kind of a notice as a badge in the page's language. */
export function kindBadge(kind) {
  return badge(`kind-${kind}`, t(`notice.kind.${kind}`));
}

/** "https://example.org Title words" per line into the API's links. */
export function parseLinks(text) {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [url, ...words] = line.split(/\s+/);
      return words.length ? { url, title: words.join(" ") } : { url };
    });
}

function select(name, choices, selected) {
  return h("select", { name }, choices.map(([value, text]) => h("option", { value, selected: value === selected }, text)));
}

function noticeForm({ organizations, listId, name, go }) {
  const inputs = {
    kind: select("kind", KINDS.map((kind) => [kind, t(`notice.kind.${kind}`)]), "call_for_partners"),
    title: h("input", { name: "title", required: true, maxlength: 200 }),
    body: h("textarea", { name: "body", rows: 8, required: true, "aria-describedby": "notice-body-hint" }),
    deadline: h("input", { name: "deadline", type: "date" }),
    links: h("textarea", { name: "links", rows: 3, "aria-describedby": "notice-links-hint", spellcheck: "false" }),
    language: select("language", [["", "–"], ...languageChoices()], ""),
    visibility: select("visibility", ["shared", "network"].map((value) => [value, statusText(value)]), "shared"),
    status: select("status", ["published", "draft"].map((value) => [value, t(`notice.post.${value}`)]), "published"),
  };
  const topics = topicPicker({ listId, name });
  const form = h(
    "form",
    { class: "stack", id: "notice-form", "aria-labelledby": "notice-form-title" },
    organizationField(organizations),
    field(t("notice.kind"), inputs.kind),
    field(t("form.title"), inputs.title),
    field(t("notice.body"), inputs.body),
    h("p", { class: "muted", id: "notice-body-hint" }, t("notice.bodyHint")),
    topics.element,
    field(t("notice.deadline"), inputs.deadline),
    field(t("notice.links"), inputs.links),
    h("p", { class: "muted", id: "notice-links-hint" }, t("notice.linksHint")),
    h("div", { class: "row" }, field(t("form.language"), inputs.language), field(t("form.visibility"), inputs.visibility), field(t("notice.status"), inputs.status)),
    h("button", { type: "submit", class: "primary" }, t("notice.post")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(async () => {
      const body = {
        kind: inputs.kind.value,
        title: inputs.title.value.trim(),
        body: inputs.body.value,
        topics: topics.values(),
        links: parseLinks(inputs.links.value),
        visibility: inputs.visibility.value,
        status: inputs.status.value,
      };
      if (inputs.deadline.value) body.deadline = inputs.deadline.value;
      if (inputs.language.value) body.language = inputs.language.value;
      if (credentials.kind() === "partner") body.organization_id = form.elements.organization_id.value;
      const created = await api("v1/notices", { method: "POST", body });
      say(t("notice.posted", { title: created.title }));
      go(`notices/${created.id}`);
    });
  });
  return h("details", { class: "create", id: "notice-create" }, h("summary", { id: "notice-form-title" }, t("notice.new")), form);
}

export async function render(main, _params, query, { go }) {
  const [listId, name, organizations] = await Promise.all([topicList(), topicNamer(), members()]);
  const filters = Object.fromEntries(FILTERS.filter((key) => query[key]).map((key) => [key, query[key]]));
  const list = h("div", { id: "notice-list" });
  const fields = [
    { name: "kind", label: t("notice.kind"), options: KINDS.map((kind) => [kind, t(`notice.kind.${kind}`)]) },
    { name: "topic", label: t("filter.topic"), list: listId },
    { name: "q", label: t("filter.q") },
    { name: "status", label: t("filter.status"), options: ["published", "draft", "withdrawn"].map((value) => [value, statusText(value)]) },
    { name: "open", label: t("notice.openOnly"), type: "checkbox" },
  ];
  const columns = [
    { key: "kind", label: t("col.kind"), value: (row) => row.kind, cell: (row) => kindBadge(row.kind) },
    { key: "title", label: t("col.title"), value: (row) => row.title.toLowerCase(), cell: (row) => h("a", { href: `#/notices/${row.id}` }, row.title) },
    { key: "organizer", label: t("col.organizer"), value: (row) => row.organization_name || "", cell: (row) => row.organization_name || "–" },
    { key: "deadline", label: t("col.deadline"), value: (row) => row.deadline, cell: (row) => day(row.deadline) },
    { key: "topics", label: t("col.topics"), cell: (row) => topicTags(row.topics, name) || "–" },
    { key: "status", label: t("col.status"), value: (row) => row.status, cell: (row) => badge(row.status, statusText(row.status)) },
  ];
  const subscriptions = subscriptionPanel({
    feed: "notices",
    filters: () => Object.fromEntries(FEED_FILTERS.filter((key) => filters[key]).map((key) => [key, filters[key]])),
  });
  const parts = [
    heading(t("notices.title")),
    filterForm({ fields, values: query, onSubmit: (values) => go("notices", values) }),
    mayPost() ? noticeForm({ organizations, listId, name, go }) : null,
    list,
    subscriptions.element,
  ];
  main.append(...parts.filter(Boolean));
  await Promise.all([
    pagedList({ path: "v1/notices", query: filters, container: list, draw: (rows) => table({ id: "notices", columns, rows }) }),
    subscriptions.refresh(),
  ]);
}
