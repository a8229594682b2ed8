// Building the page from data, never from HTML strings: every text is a text node, so nothing
// the API returns is ever parsed as markup.

const SVG_NS = "http://www.w3.org/2000/svg";

function fill(element, attrs, children) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "on") {
      for (const [event, handler] of Object.entries(value)) element.addEventListener(event, handler);
    } else if (name === "text") {
      element.textContent = String(value);
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else if (name === "style") {
      throw new Error("inline styles are refused by the CSP; use classes");
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** An HTML element: h("a", {href: "#/x"}, "text", otherNode). */
export function h(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

/** An SVG element. */
export function s(tag, attrs = {}, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

/** A labelled form control: the label wraps the control, so it is always named. */
export function field(label, control) {
  return h("label", { class: "field" }, label, control);
}

export function badge(status, text) {
  return h("span", { class: `badge ${status}` }, text ?? status);
}

/**
 * A link to another site (an API string): only http(s) addresses become links, opened in
 * a new tab that learns neither this page nor where the reader came from.
 */
export function externalLink(url, text) {
  let parsed = null;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  // Anything else is shown as the text it is, so the reader sees what was given.
  if (!parsed || !["http:", "https:"].includes(parsed.protocol)) return h("span", {}, url || "");
  return h("a", { href: parsed.href, target: "_blank", rel: "noopener noreferrer" }, text || url);
}
