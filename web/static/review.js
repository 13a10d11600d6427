// Test talk on the review page: the version under review, replayed by the same endpoint as the editor's panel.
import { TalkPanel } from "./editor/panels.js";

const root = document.getElementById("review-talk");
const boot = JSON.parse(document.getElementById("review-boot").textContent);
const csrf = document.querySelector("meta[name=csrf-token]").content;
const T = (k, p = {}) => (boot.i18n[k] || k).replace(/\{(\w+)\}/g, (_, x) => (x in p ? p[x] : `{${x}}`));
const url = `/scripts/${encodeURIComponent(root.dataset.key)}/draft?version=${root.dataset.version}`;
const body = await (await fetch(url, { headers: { Accept: "application/json" } })).json();
const panel = new TalkPanel(root, T, csrf, () => body.doc, (path) => { root.dataset.path = path.join(" → "); });
panel.defaultVars = () => boot.vars;
panel.renderVars(body.doc); // one field per variable, as in the editor: the reviewer hears ${name} said
// the button is disabled in the page until the panel can answer it (a click before would be lost)
root.querySelector("#talk-start").disabled = false;
