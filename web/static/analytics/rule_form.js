// The audience rule form: add and remove condition rows. A new row is a copy of the
// <template id="row-template"> element's nodes with "__i__" in its field names numbered.
(function () {
  const form = document.getElementById("rule-form");
  if (!form) return;
  const body = form.querySelector("#rule-rows tbody");
  const tpl = document.getElementById("row-template");
  const add = document.getElementById("add-row");
  let next = body.querySelectorAll("tr").length;
  const changed = () => form.dispatchEvent(new Event("hs-rows", { bubbles: true }));
  const sync = () => { add.disabled = body.querySelectorAll("tr").length >= Number(add.dataset.max); };
  add.addEventListener("click", () => {
    const rowNodes = tpl.content.cloneNode(true);
    const i = String(next++);
    rowNodes.querySelectorAll("[name*='__i__']").forEach((el) => { el.name = el.name.replace(/__i__/g, i); });
    body.appendChild(rowNodes);
    body.lastElementChild.querySelector("input").focus();
    sync();
  });
  body.addEventListener("click", (ev) => {
    const btn = ev.target.closest(".remove-row");
    if (!btn) return;
    const tr = btn.closest("tr");
    if (body.querySelectorAll("tr").length === 1) tr.querySelectorAll("input").forEach((i) => { i.value = ""; });
    else tr.remove();
    sync(); changed();
  });
  sync();
})();
