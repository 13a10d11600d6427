// Modal questions the editor asks before an edit that loses work or needs a choice: a real <dialog>
// (focus stays inside, Escape cancels). Built with dom.h, so a node's title in the text stays text.

import { h } from "./dom.js";

/** Show a modal with `body` (DOM nodes) and `buttons` ([{label, value, kind}]); resolves with the chosen
 * button's value, or null for Cancel / Escape. `onSubmit` (optional) turns Enter in a field into the
 * first button's value. */
export function ask({ title, body = [], buttons = [], cancel = "Cancel", id = "hs-dialog", initialFocus = null }) {
  document.getElementById(id)?.remove();
  return new Promise((resolve) => {
    const form = h("form", { method: "dialog", class: "dialog-body" });
    const dlg = h("dialog", { id, class: "hs-dialog", "aria-labelledby": `${id}-title` },
      h("h2", { id: `${id}-title` }, title), form);
    form.append(...[body].flat().filter(Boolean));
    const bar = h("div", { class: "dialog-buttons" });
    let result = null;
    for (const b of buttons) {
      const btn = h("button", { type: "submit", class: b.kind || "", dataset: { value: String(b.value) } }, b.label);
      btn.addEventListener("click", () => { result = b.value; });
      bar.append(btn);
    }
    const no = h("button", { type: "button", class: "cancel", dataset: { value: "cancel" } }, cancel);
    no.addEventListener("click", () => { result = null; dlg.close(); });
    bar.append(no);
    form.append(bar);
    // Enter in a text field submits without a clicked button: that is the first (main) choice
    form.addEventListener("submit", () => { if (result === null && buttons.length) result = buttons[0].value; });
    dlg.addEventListener("cancel", () => { result = null; });
    dlg.addEventListener("close", () => { dlg.remove(); resolve(result); });
    document.body.append(dlg);
    dlg.showModal();
    const focus = initialFocus ? dlg.querySelector(initialFocus) : bar.querySelector("button");
    if (focus) { focus.focus(); if (focus.select) focus.select(); }
  });
}

/** A bulleted list of what will be lost, or nothing when the list is empty. */
export function lossList(items) {
  const rows = items.filter(Boolean);
  return rows.length ? h("ul", { class: "loss" }, rows.map((r) => h("li", {}, r))) : null;
}
