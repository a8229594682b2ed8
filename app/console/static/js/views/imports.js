// Import a CSV or XLSX file: a dry run first, its validation report, then the import
// itself with the same file and options; and the imports made so far.

import { api } from "../api.js";
import { h, badge, field } from "../dom.js";
import { t, number, day, statusText } from "../i18n.js";
import { table, heading, guarded, pagedList, say } from "../ui.js";

const POLL_MS = 400;
const FINISHED = ["succeeded", "failed"];

function select(name, values, prefix) {
  return h("select", { name }, values.map((value) => h("option", { value }, t(`${prefix}.${value}`))));
}

async function finished(id) {
  for (;;) {
    const job = await api(`v1/imports/${id}`);
    if (FINISHED.includes(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Errors and warnings of a report: by row, as a spreadsheet numbers them, and column. */
function rowTable(id, caption, rows, extra = []) {
  return table({
    id,
    caption,
    columns: [
      { key: "row", label: t("col.row"), num: true, value: (row) => row.row, cell: (row) => String(row.row) },
      { key: "column", label: t("col.column"), value: (row) => row.column || "", cell: (row) => row.column || "–" },
      { key: "message", label: t("col.message"), cell: (row) => row.message },
      ...extra,
    ],
    rows,
    sort: { key: "row", dir: "asc" },
  });
}

function report(job) {
  const counts = t("imports.counts", {
    total: number(job.rows_total),
    created: number(job.created),
    updated: number(job.updated),
    unchanged: number(job.unchanged),
    skipped: number(job.skipped),
  });
  const parts = [
    h("h2", { id: "report-title" }, t("imports.report")),
    h("p", {}, badge(job.status, statusText(job.status)), " ", job.dry_run ? t("imports.reportDry") : t("imports.reportReal")),
    h("p", { id: "import-counts" }, counts),
  ];
  if (job.errors.length) parts.push(rowTable("import-errors", t("imports.errors"), job.errors));
  if (job.warnings?.length) {
    const duplicate = { key: "duplicate", label: t("col.duplicate"), cell: (row) => row.duplicate_of || "–" };
    parts.push(rowTable("import-warnings", t("imports.warnings"), job.warnings, [duplicate]));
  }
  return parts;
}

function history(container) {
  return pagedList({
    path: "v1/imports",
    query: {},
    container,
    draw: (rows) =>
      table({
        id: "import-history",
        columns: [
          { key: "created", label: t("col.created"), value: (row) => row.created_at, cell: (row) => day(row.created_at) },
          { key: "kind", label: t("col.kind"), value: (row) => row.kind, cell: (row) => t(`imports.kind.${row.kind}`) },
          { key: "file", label: t("col.file"), value: (row) => row.filename || "", cell: (row) => row.filename || "–" },
          { key: "dry", label: t("imports.reportDry").split(":")[0], value: (row) => String(row.dry_run), cell: (row) => (row.dry_run ? t("yes") : t("no")) },
          { key: "rows", label: t("col.rows"), num: true, value: (row) => row.rows_total, cell: (row) => number(row.rows_total) },
          { key: "status", label: t("col.status"), value: (row) => row.status, cell: (row) => badge(row.status, statusText(row.status)) },
        ],
        rows,
        sort: { key: "created", dir: "desc" },
      }),
  });
}

export async function render(main) {
  const file = h("input", { type: "file", name: "file", accept: ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", required: true });
  const kind = select("kind", ["offers", "requests", "organizations"], "imports.kind");
  const onError = select("on_error", ["abort", "skip"], "imports.onError");
  const onDuplicate = select("on_duplicate", ["warn", "skip", "merge"], "imports.onDuplicate");
  const organization = h("input", { name: "organization_id", autocomplete: "off" });
  const check = h("button", { type: "submit", class: "primary", id: "import-check" }, t("imports.check"));
  const run = h("button", { type: "button", class: "secondary", id: "import-run", disabled: true, "aria-describedby": "import-hint" }, t("imports.run"));
  const hint = h("p", { id: "import-hint", class: "muted" }, t("imports.needsCheck"));
  const result = h("section", { id: "import-report", "aria-live": "polite" });
  const past = h("div", { id: "import-list" });
  const form = h(
    "form",
    { class: "stack", "aria-labelledby": "view-title" },
    field(t("imports.kind"), kind),
    field(t("imports.file"), file),
    field(t("imports.onError"), onError),
    field(t("imports.onDuplicate"), onDuplicate),
    field(t("imports.organization"), organization),
    h("div", { class: "actions" }, check, run),
    hint,
  );
  // The import is allowed once a dry run of this very file with these options succeeded.
  let checked = null;
  const signature = () => {
    const chosen = file.files[0];
    return chosen ? [chosen.name, chosen.size, chosen.lastModified, kind.value, onError.value, onDuplicate.value, organization.value.trim()].join("|") : null;
  };
  const refresh = () => {
    const ready = checked !== null && checked === signature();
    run.disabled = !ready;
    hint.hidden = ready;
  };
  form.addEventListener("change", refresh);
  form.addEventListener("input", refresh);

  async function upload(dryRun) {
    const chosen = file.files[0];
    if (!chosen) throw new Error(t("imports.chooseFile"));
    const body = new FormData();
    body.append("file", chosen, chosen.name);
    const query = { kind: kind.value, dry_run: String(dryRun), on_error: onError.value, on_duplicate: onDuplicate.value, organization_id: organization.value.trim() };
    const queued = await api("v1/imports", { method: "POST", query, form: body });
    say(t("loading"));
    const job = await finished(queued.id);
    say("");
    result.replaceChildren(...report(job));
    await history(past);
    return job;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(async () => {
      const before = signature();
      const job = await upload(true);
      checked = job.status === "succeeded" ? before : null;
      refresh();
    });
  });
  run.addEventListener("click", () =>
    guarded(async () => {
      await upload(false);
      checked = null;
      refresh();
    }),
  );
  main.append(heading(t("imports.title")), h("p", {}, t("imports.intro")), form, result, h("h2", {}, t("imports.history")), past);
  await history(past);
}
