// Building the page from data without ever parsing data as HTML: every string becomes a text
// node or an attribute value, so a script's intent name, title or prompt can hold "<img onerror=…>"
// and still show as those characters. All pages' scripts build DOM through `h`; a static test
// (tests/security/test_no_unescaped_sinks.py) refuses innerHTML and friends anywhere under web/static.

// Attributes that take a URL: only these schemes (or a relative URL) may be set from data.
const URL_ATTRS = new Set(["href", "src", "action", "formaction", "xlink:href", "poster"]);
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
const ALLOWED_SCHEMES = new Set(["http", "https", "blob", "mailto"]);
// Properties set as DOM properties (their attribute would only be the initial value).
const PROPS = new Set(["checked", "selected", "disabled", "hidden"]);

/** "javascript:alert(1)" (also "java\tscript:", as browsers drop tabs) and "data:…" are refused for
 * URL attributes; relative URLs, "https://…" and "blob:…" pass. */
export function safeUrl(value) {
  const s = String(value ?? "");
  const m = s.replace(/[\u0000-\u0020\u007f]/g, "").match(SCHEME);
  return !m || ALLOWED_SCHEMES.has(m[1].toLowerCase()) ? s : "about:blank";
}

function setAttr(el, name, value) {
  if (value === undefined || value === null || value === false) return;
  if (/^on/i.test(name)) throw new Error(`dom.h: event handler attribute ${name} (use addEventListener)`);
  if (name === "class") { el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : String(value); return; }
  if (name === "dataset") { for (const [k, v] of Object.entries(value)) if (v !== undefined && v !== null) el.dataset[k] = String(v); return; }
  if (PROPS.has(name) || (name === "value" && (el.tagName === "TEXTAREA" || el.tagName === "SELECT"))) { el[name] = value; return; }
  if (value === true) { el.setAttribute(name, ""); return; }
  el.setAttribute(name, URL_ATTRS.has(name.toLowerCase()) ? safeUrl(value) : String(value));
}

/** Append children: strings and numbers become text nodes; arrays are flattened; null/false/undefined skipped. */
export function append(el, ...children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false || c === "") continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** `h("label", {class: "check"}, h("input", {type: "checkbox", checked: true}), " text")` */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) setAttr(el, k, v);
  return append(el, ...children);
}

/** A fragment of several nodes (what a form section returns). */
export function frag(...children) {
  return append(document.createDocumentFragment(), ...children);
}

/** Replace everything inside `el` with `children`, as nodes: the way to redraw a panel from data. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, ...children);
}
