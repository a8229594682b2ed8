// The one place the console shows HTML from the API: a notice's ``body_html``, which the
// server renders from Markdown with raw HTML disabled. It is not trusted for that: the
// string is parsed in an inert document (no script runs, nothing loads) and copied into
// the page element by element, keeping only the tags and attributes of formatted text.
// Every other string from the API goes into the page as text (dom.js).

import { h } from "./dom.js";

// Elements copied with their content; anything else not dropped below keeps only its text.
const KEPT = new Set([
  "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "i", "code", "pre",
  "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "del", "s",
  "sup", "sub", "dl", "dt", "dd",
]);
// Elements dropped with everything inside them.
const DROPPED = new Set(["script", "style", "template", "iframe", "frame", "object", "embed", "noscript", "svg", "math", "form", "input", "button", "textarea", "select", "link", "meta", "base"]);
const ATTRIBUTES = { ol: ["start"], th: ["align"], td: ["align"] };
// The body sits under the view's h1 and the notice's h2: its headings start at h3.
const HEADING_SHIFT = 2;

function safeHref(value) {
  try {
    const url = new URL(value, document.baseURI);
    return ["http:", "https:", "mailto:"].includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

function copy(node) {
  if (node.nodeType === Node.TEXT_NODE) return document.createTextNode(node.data);
  if (node.nodeType !== Node.ELEMENT_NODE) return null;
  const tag = node.localName;
  if (DROPPED.has(tag)) return null;
  const children = Array.from(node.childNodes, copy);
  // The page may load images from its own origin only (CSP): a picture elsewhere becomes
  // a link to it, named by its description.
  if (tag === "img") {
    const src = safeHref(node.getAttribute("src") || "");
    const alt = node.getAttribute("alt") || "";
    return src && !src.startsWith("mailto:") ? h("a", { href: src, target: "_blank", rel: "noopener noreferrer" }, alt || src) : alt || null;
  }
  if (!KEPT.has(tag)) return children;
  let name = tag;
  if (/^h[1-6]$/.test(tag)) name = `h${Math.min(6, Number(tag[1]) + HEADING_SHIFT)}`;
  const attrs = {};
  for (const attribute of ATTRIBUTES[tag] || []) {
    const value = node.getAttribute(attribute);
    if (value !== null && /^[\w-]{1,20}$/.test(value)) attrs[attribute] = value;
  }
  if (tag === "a") {
    const href = safeHref(node.getAttribute("href") || "");
    if (!href) return children;
    Object.assign(attrs, { href, target: "_blank", rel: "noopener noreferrer" });
  }
  return h(name, attrs, children);
}

/** The nodes of ``html`` that formatted text may have, built afresh in this page. */
export function formatted(html) {
  const inert = new DOMParser().parseFromString(String(html || ""), "text/html");
  const fragment = document.createDocumentFragment();
  fragment.append(...Array.from(inert.body.childNodes, copy).flat(Infinity).filter((node) => node !== null && node !== undefined));
  return fragment;
}
