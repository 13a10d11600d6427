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
    // settled at once, not on the dialog's "close" event (a later task): a key typed straight after
    // Enter must already find the edit made (the keyboard flow Tab, title, Enter, Enter, ...)
    let done = false;
    const settle = (value) => {
      if (done) return;
      done = true;
      if (dlg.open) dlg.close();
      dlg.remove();
      resolve(value);
    };
    let clicked = null;
    for (const b of buttons) {
      const btn = h("button", { type: "submit", class: b.kind || "", dataset: { value: String(b.value) } }, b.label);
      btn.addEventListener("click", () => { clicked = b.value; });
      bar.append(btn);
    }
    const no = h("button", { type: "button", class: "cancel", dataset: { value: "cancel" } }, cancel);
    no.addEventListener("click", () => settle(null));
    bar.append(no);
    form.append(bar);
    // Enter in a text field submits without a clicked button: that is the first (main) choice
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      settle(clicked !== null ? clicked : buttons.length ? buttons[0].value : null);
    });
    dlg.addEventListener("cancel", (ev) => { ev.preventDefault(); settle(null); });
    dlg.addEventListener("close", () => settle(null));
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
