// Topics: codes of any kind of the taxonomy (skills, products, certifications), as the
// calendar and the notices are tagged. Suggested with their labels in the page's
// language; a picker for forms that adds codes one at a time.

import { h, clear } from "./dom.js";
import { t } from "./i18n.js";
import { vocabulary } from "./ui.js";

const KINDS = ["skill", "product", "certification"];

async function entries() {
  const lists = await Promise.all(KINDS.map((kind) => vocabulary(kind)));
  return lists.flat().filter((entry) => !entry.deprecated);
}

/** A <datalist> of every topic code with its label; its id for an input's ``list``. */
export async function topicList() {
  const id = "codes-topic";
  const all = await entries();
  document.getElementById(id)?.remove();
  document.body.append(h("datalist", { id }, all.map((entry) => h("option", { value: entry.code }, entry.label))));
  return id;
}

/** A function naming a topic code by its label (the code itself when unknown). */
export async function topicNamer() {
  const labels = Object.fromEntries((await entries()).map((entry) => [entry.code, entry.label]));
  return (code) => labels[code] || code;
}

/** Topics as a list of small labels, the code in each one's title. */
export function topicTags(codes, name) {
  if (!codes || !codes.length) return null;
  return h("ul", { class: "tags" }, codes.map((code) => h("li", { title: code }, name(code))));
}

/**
 * A control for several topics: type or pick a code, press Enter or "Add topic"; each
 * chosen one has a remove button. ``values()`` also takes a code typed but not added.
 */
export function topicPicker({ listId, name, initial = [] }) {
  const chosen = [...initial];
  const input = h("input", { type: "text", list: listId, autocomplete: "off", spellcheck: "false", class: "topic-input" });
  const chips = h("ul", { class: "chips", "aria-live": "polite" });
  const draw = () => {
    clear(chips);
    for (const code of chosen) {
      const remove = h("button", { type: "button", class: "link", "aria-label": t("topics.remove", { topic: name(code) }) }, "×");
      remove.addEventListener("click", () => {
        chosen.splice(chosen.indexOf(code), 1);
        draw();
        input.focus();
      });
      chips.append(h("li", { dataset: { code } }, name(code), " ", h("code", {}, code), " ", remove));
    }
  };
  const add = () => {
    const code = input.value.trim();
    if (code && !chosen.includes(code)) chosen.push(code);
    input.value = "";
    draw();
  };
  input.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    add();
  });
  const button = h("button", { type: "button", class: "secondary" }, t("topics.add"));
  button.addEventListener("click", () => {
    add();
    input.focus();
  });
  draw();
  const element = h(
    "fieldset",
    { class: "topics" },
    h("legend", {}, t("form.topics")),
    chips,
    h("div", { class: "topic-add" }, h("label", { class: "field" }, t("topics.code"), input), button),
  );
  return {
    element,
    values: () => {
      if (input.value.trim()) add();
      return [...chosen];
    },
    reset: () => {
      chosen.length = 0;
      input.value = "";
      draw();
    },
  };
}
