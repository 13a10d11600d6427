// Small behaviours every page may use, declared in the markup instead of inline handlers
// (the Content-Security-Policy runs no inline script and no on...= attribute):
//   data-confirm="question"  on a submit button: ask before the form goes
//   data-autosubmit          on a select: submit its form when the choice changes
document.addEventListener("click", (ev) => {
  const el = ev.target.closest("[data-confirm]");
  if (el && !window.confirm(el.dataset.confirm)) ev.preventDefault();
});
document.addEventListener("change", (ev) => {
  const el = ev.target.closest("[data-autosubmit]");
  if (el && el.form) el.form.submit();
});
