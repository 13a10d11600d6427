// The editor page: one document in memory, every edit snapshotted for undo, redrawn on the
// canvas, checked by the server (debounced) and autosaved with the optimistic revision.

import { Canvas } from "./canvas.js";
import { addChild, addLink, deleteNode, nodeById, renameNode, reparent, setType } from "./doc.js";
import { BUILTIN_INTENTS, HANDLER_PRESETS, addHandler, deleteLoss, guessIntent, newBranch, typeChangeLoss } from "./safe.js";
import { ask, lossList } from "./dialog.js";
import { Forms } from "./inspector.js";
import { GLOBAL_ID, searchNodes } from "./tree.js";
import { applyFix, hasFix } from "./fixes.js";
import { CheckPanel, TalkPanel } from "./panels.js";
import { DraftStore } from "./store.js";
import { fill, h } from "./dom.js";

const boot = JSON.parse(document.getElementById("hs-boot").textContent);
boot.csrf = document.querySelector("meta[name=csrf-token]").content;
const MSG = boot.i18n;
const T = (k, params = {}) => (MSG[k] || k).replace(/\{(\w+)\}/g, (_, p) => (p in params ? params[p] : `{${p}}`));
const $ = (sel) => document.querySelector(sel);

const UNDO_LIMIT = 200;

/** A short highlight on the field a finding points at. */
function flash(el) {
  el.classList.remove("flash-target");
  void el.offsetWidth; // restart the animation
  el.classList.add("flash-target");
}

class Editor {
  constructor() {
    this.doc = null;
    this.selected = null;
    this.undo = [];
    this.redo = [];
    this.path = [];
    this.current = null;
    this.linkFrom = null;
    this.readOnly = !boot.canEdit;
    // collapsed sub-trees are how this browser views the map, not part of the script: folding one
    // must not save a new revision (it used to, and "Saved (revision 27)" followed every look around)
    this.viewKey = `huashu:view:${boot.scriptKey}`;
    this.collapsed = new Set();
    this.canvas = new Canvas($("#canvas"), {
      onSelect: (id) => this.handleCanvasClick(id),
      onDrop: (id, target, pos) => this.handleDrop(id, target, pos),
      onToggleCollapse: (id) => this.toggleCollapse(id),
    }, T);
    this.forms = new Forms(T, (final) => this.changed({ structure: false, final }), () => this.changed({ structure: true }));
    this.scriptForms = new Forms(T, (final) => this.changed({ structure: false, final, scriptForm: true }), () => this.changed({ structure: true }));
    this.check = new CheckPanel($("#check-panel"), T, boot.csrf, (node, branch, path) => this.focusNode(node, branch, path),
      this.readOnly ? null : { has: hasFix, apply: (finding) => this.fix(finding) });
    if ($("#talk-panel")) this.talk = new TalkPanel($("#talk-panel"), T, boot.csrf, () => this.doc, (path, current) => { this.path = path; this.current = current; this.draw(); });
    this.store = new DraftStore(boot.scriptKey, boot.csrf, (s, body) => this.saveStatus(s, body));
    this.lastSnapshot = null;
    this.bindUi();
  }

  async start() {
    let server;
    try { server = await this.store.load(); } catch (e) { this.banner("error", T("ed.load_failed", { error: e.message })); return; }
    this.doc = server.doc;
    const local = this.store.local();
    if (!this.readOnly && local && local.dirty && JSON.stringify(local.doc) !== JSON.stringify(server.doc)) {
      if (local.baseRevision === server.revision) {
        this.doc = local.doc; // unsaved work from before a sign-out or a crash: put it back and save it
        this.banner("ok", T("ed.restored"));
        this.store.schedule(this.doc, 100);
      } else {
        this.localConflict = local.doc;
        this.banner("warn", T("ed.local_conflict"), [["ed.use_mine", () => this.overwriteWithMine(local.doc)], ["ed.use_server", () => this.dropLocal()]]);
      }
    }
    this.lastSnapshot = JSON.stringify(this.doc);
    this.collapsed = new Set(this.loadView() ?? ((this.doc.layout && this.doc.layout.collapsed) || []));
    this.draw();
    this.canvas.minimap($("#minimap"));
    this.canvas.fit(this.doc.start);
    this.renderInspector();
    this.renderScriptForm();
    this.check.run(this.doc);
    this.select(this.doc.start);
    document.body.dataset.readyMs = String(Math.round(performance.now()));
    document.body.dataset.ready = "1";
  }

  // ---- drawing ----
  draw() {
    this.tree = this.canvas.render(this.doc, { findings: this.check.errorNodes, path: this.path, current: this.current, collapsed: [...this.collapsed] });
    if (this.selected) this.canvas.select(this.selected);
    $("#undo").disabled = !this.undo.length || this.readOnly;
    $("#redo").disabled = !this.redo.length || this.readOnly;
  }

  renderInspector() {
    const node = this.selected ? nodeById(this.doc, this.selected) : null;
    const root = $("#inspector");
    fill(root, this.forms.renderNode(this.doc, node, {
      rename: (oldId, newId) => this.rename(oldId, newId),
      setType: (id, type) => this.changeType(id, type),
      addBranch: (id) => this.addBranch(id),
    }));
    this.forms.attach(root);
    if (this.readOnly) root.querySelectorAll("input,select,textarea,button:not(#tts-preview)").forEach((el) => { el.disabled = true; });
  }

  renderScriptForm() {
    const root = $("#script-form");
    fill(root, this.scriptForms.renderScript(this.doc));
    this.scriptForms.attach(root);
    if (this.readOnly) root.querySelectorAll("input,select,textarea,button").forEach((el) => { el.disabled = true; });
  }

  // ---- edits ----
  /** Every edit ends here: undo snapshot, redraw, check, autosave. */
  changed({ structure = true, final = true, scriptForm = false } = {}) {
    if (this.readOnly) return;
    // keystrokes in a text field are drawn, checked and saved at once but make one undo step,
    // taken when the field is left (its "change" event)
    if (final) {
      const snap = JSON.stringify(this.doc);
      if (snap === this.lastSnapshot) return;
      this.undo.push(this.lastSnapshot);
      if (this.undo.length > UNDO_LIMIT) this.undo.shift();
      this.redo = [];
      this.lastSnapshot = snap;
    }
    this.draw();
    if (structure) { this.renderInspector(); this.renderScriptForm(); }
    else if (final && !scriptForm) this.renderScriptForm();
    this.check.schedule(this.doc);
    this.store.schedule(this.doc);
  }

  restore(snap) {
    this.doc = JSON.parse(snap);
    this.lastSnapshot = snap;
    if (this.selected && !nodeById(this.doc, this.selected)) this.selected = null;
    this.draw();
    this.renderInspector();
    this.renderScriptForm();
    this.check.schedule(this.doc, 50);
    this.store.schedule(this.doc);
  }

  doUndo() { if (this.readOnly || !this.undo.length) return; this.redo.push(this.lastSnapshot); this.restore(this.undo.pop()); }
  doRedo() { if (this.readOnly || !this.redo.length) return; this.undo.push(this.lastSnapshot); this.restore(this.redo.pop()); }

  refuse(code) { this.toast(T(`ed.refuse.${code}`)); }

  async addChildOf(id) {
    if (this.readOnly || !id) return;
    const parent = nodeById(this.doc, id);
    if (!parent) return;
    let title = null;
    let when = null;
    if (parent.type === "say_listen" || parent.type === "condition") {
      const answer = await this.askChild(parent);
      if (!answer) return;
      ({ title, when } = answer);
    }
    const r = addChild(this.doc, id, title, when);
    if (r.error) return this.refuse(r.error);
    this.collapsed.delete(id);
    this.selected = r.id;
    this.changed();
    this.canvas.select(r.id, { center: true });
    if (title) $("#canvas").focus(); else this.focusTitle();
  }

  /** "+ child" on a listening node: what does the customer say on the way to it? Title, then the
   * answer (an intent, preselected from the title; keywords; keys; silence; not understood). */
  async askChild(parent) {
    const intents = [...BUILTIN_INTENTS, ...Object.keys(this.doc.intents || {}).filter((i) => !BUILTIN_INTENTS.includes(i))];
    const name = (i) => (BUILTIN_INTENTS.includes(i) ? `${T(`ed.intent_name.${i}`)} (${i})` : i);
    const cond = parent.type === "condition";
    const kinds = cond ? ["expr"] : ["intent", "keywords", "dtmf", "silence", "no_match"];
    const titleIn = h("input", { id: "child-title", autocomplete: "off" });
    const kindSel = h("select", { id: "child-kind" }, kinds.map((k) => h("option", { value: k }, T(`ed.cond.${k}`))));
    const intentSel = h("select", { id: "child-intent" }, intents.map((i) => h("option", { value: i }, name(i))));
    const valueIn = h("input", { id: "child-value", autocomplete: "off" });
    intentSel.value = guessIntent(parent, "");
    let intentTouched = false;
    intentSel.addEventListener("change", () => { intentTouched = true; });
    titleIn.addEventListener("input", () => { if (!intentTouched) intentSel.value = guessIntent(parent, titleIn.value); });
    // an intent the node already answers would make the two branches ambiguous: say so while choosing
    const taken = new Map((parent.branches || []).filter((b) => b.when && b.when.intent).map((b) => [b.when.intent, b]));
    const takenHint = h("p", { class: "warn-success", id: "child-taken" });
    const checkTaken = () => {
      const b = taken.get(intentSel.value);
      takenHint.textContent = b ? T("ed.child.taken", { branch: b.label || b.id, to: this.titleOf(b.goto) }) : "";
      takenHint.hidden = !b;
    };
    intentSel.addEventListener("change", checkTaken);
    titleIn.addEventListener("input", checkTaken);
    const intentRow = h("label", { id: "child-intent-row" }, T("ed.cond.intent"), intentSel, takenHint);
    const valueRow = h("label", { id: "child-value-row" }, T("ed.value"), valueIn);
    const show = () => {
      const k = kindSel.value;
      intentRow.hidden = k !== "intent";
      valueRow.hidden = !["keywords", "dtmf", "expr"].includes(k);
      valueIn.placeholder = T(`ed.hint.${k}`);
    };
    kindSel.addEventListener("change", show);
    show();
    checkTaken();
    const ok = await ask({
      title: T("ed.child.title", { node: parent.title || parent.id }), id: "child-dialog", cancel: T("ed.dlg.cancel"), initialFocus: "#child-title",
      body: [h("label", {}, T("ed.title"), titleIn), h("p", { class: "hint" }, T("ed.child.says")), h("label", {}, T("ed.condition"), kindSel), intentRow, valueRow],
      buttons: [{ label: T("ed.child.create"), value: "ok", kind: "primary" }],
    });
    if (ok !== "ok") return null;
    const k = kindSel.value;
    const v = valueIn.value.trim();
    let when;
    if (k === "intent") when = { intent: intentSel.value };
    else if (k === "keywords") when = { keywords: v.split(/[,，、\n]/).map((x) => x.trim()).filter(Boolean) };
    else if (k === "dtmf") when = { dtmf: v || "1" };
    else if (k === "expr") when = { expr: v || "true" };
    else when = { event: k };
    if (when.keywords && !when.keywords.length) when = { keywords: [titleIn.value.trim() || "?"] };
    return { title: titleIn.value.trim() || null, when };
  }

  addSibling() {
    const parent = this.tree && this.tree.parent.get(this.selected);
    if (!parent) return this.refuse("no_parent");
    this.addChildOf(parent);
  }

  /** Delete the selected node; when it has branches or nodes only it leads to, say what goes and ask. */
  async deleteSelected() {
    if (this.readOnly || !this.selected) return;
    const id = this.selected;
    const node = nodeById(this.doc, id);
    if (!node) return;
    if (id === this.doc.start) return this.refuse("start");
    const loss = deleteLoss(this.doc, id);
    let withOrphans = false;
    if (loss.branches.length || loss.orphans.length) {
      const buttons = [{ label: T("ed.delete.only"), value: "only", kind: "danger" }];
      if (loss.orphans.length) buttons.unshift({ label: T("ed.delete.all", { n: loss.orphans.length }), value: "all", kind: "danger" });
      const choice = await ask({
        title: T("ed.delete.title", { node: node.title || id }), id: "delete-dialog", cancel: T("ed.dlg.cancel"), initialFocus: "button.cancel",
        body: [h("p", {}, T("ed.delete.body")), this.lossItems(loss)],
        buttons,
      });
      if (!choice) return;
      withOrphans = choice === "all";
    }
    const parent = this.tree.parent.get(id) || null;
    const err = deleteNode(this.doc, id, { withOrphans });
    if (err) return this.refuse(err);
    this.selected = parent && nodeById(this.doc, parent) ? parent : null;
    this.changed();
  }

  titleOf(id) {
    const n = nodeById(this.doc, id);
    return n && n.title ? n.title : id;
  }

  lossItems(loss) {
    const items = [];
    for (const f of loss.fields || []) items.push(T(`ed.loss.field.${f}`));
    if (loss.branches.length) items.push(T("ed.loss.branches", { n: loss.branches.length, list: loss.branches.map((b) => b.label || b.id).join(", ") }));
    if (loss.orphans.length) items.push(T("ed.loss.orphans", { n: loss.orphans.length, list: loss.orphans.map((o) => this.titleOf(o)).join(", ") }));
    if (loss.rules) items.push(T("ed.loss.rules", { n: loss.rules }));
    return lossList(items);
  }

  /** The type select: applied at once when nothing is lost, else after the designer agrees. */
  changeType(id, type) {
    const node = nodeById(this.doc, id);
    if (!node || node.type === type) return "structure";
    const loss = typeChangeLoss(this.doc, id, type);
    if (!loss.fields.length && !loss.branches.length && !loss.orphans.length) { setType(this.doc, id, type); return "structure"; }
    ask({
      title: T("ed.type_change.title", { node: node.title || id }), id: "type-dialog", cancel: T("ed.dlg.cancel"), initialFocus: "button.cancel",
      body: [h("p", {}, T("ed.type_change.body", { from: T(`ed.type.${node.type}`), to: T(`ed.type.${type}`) })), this.lossItems(loss)],
      buttons: [{ label: T("ed.type_change.ok", { to: T(`ed.type.${type}`) }), value: "ok", kind: "danger" }],
    }).then((ok) => {
      if (ok !== "ok" || !nodeById(this.doc, id)) { this.renderInspector(); return; } // the select shows the kept type
      setType(this.doc, id, type);
      this.changed();
    });
    return "structure"; // re-render now: the select shows the old type until the designer agrees
  }

  /** "+ branch": a new answer with no target yet (the designer picks one; validation says so until then). */
  addBranch(id) {
    const node = nodeById(this.doc, id);
    if (node) newBranch(this.doc, node);
  }

  rename(oldId, newId) {
    if (oldId === newId) return null;
    const err = renameNode(this.doc, oldId, newId);
    if (err) { this.refuse(err); return "structure"; }
    this.selected = newId;
    return "structure";
  }

  toggleCollapse(id) {
    if (!this.tree || !(this.tree.children.get(id) || []).length) return;
    if (this.collapsed.has(id)) this.collapsed.delete(id); else this.collapsed.add(id);
    this.saveView();
    this.draw();
  }

  loadView() {
    try { const v = JSON.parse(localStorage.getItem(this.viewKey) || "null"); return Array.isArray(v && v.collapsed) ? v.collapsed : null; } catch { return null; }
  }

  saveView() {
    try { localStorage.setItem(this.viewKey, JSON.stringify({ collapsed: [...this.collapsed] })); } catch { /* view state only */ }
  }

  autoLayout() {
    if (!this.doc.layout) return;
    delete this.doc.layout.positions;
    if (this.readOnly) this.draw(); else this.changed({ structure: false });
    this.canvas.fit(this.doc.start);
  }

  handleDrop(id, target, pos) {
    if (this.readOnly) { this.draw(); return; }
    if (target) {
      const below = new Set([id]);
      const stack = [id];
      while (stack.length) for (const c of this.tree.children.get(stack.pop()) || []) { below.add(c); stack.push(c); }
      if (below.has(target)) { this.refuse("cycle"); this.draw(); return; }
      const err = reparent(this.doc, this.tree, id, target);
      if (err) { this.refuse(err); this.draw(); return; }
      if (this.doc.layout && this.doc.layout.positions) delete this.doc.layout.positions[id];
      this.changed();
      return;
    }
    const before = this.canvas.grabbedAt;
    // a click that moved the pointer a pixel is not a move: nothing to save
    if (before && Math.hypot(before[0] - pos[0], before[1] - pos[1]) < 6) { this.draw(); return; }
    this.doc.layout = this.doc.layout || {};
    this.doc.layout.positions = this.doc.layout.positions || {};
    this.doc.layout.positions[id] = [Math.round(pos[0]), Math.round(pos[1])];
    this.changed({ structure: false });
  }

  handleCanvasClick(id) {
    if (this.linkFrom && id) {
      const from = this.linkFrom;
      this.linkFrom = null;
      document.body.classList.remove("linking");
      const err = addLink(this.doc, from, id);
      if (err) return this.refuse(err);
      this.selected = from;
      this.changed();
      this.toast(T("ed.linked", { from, to: id }));
      return;
    }
    this.select(id);
  }

  startLink() {
    if (this.readOnly || !this.selected) return;
    this.linkFrom = this.selected;
    document.body.classList.add("linking");
    this.toast(T("ed.link_hint"));
  }

  select(id) {
    this.selected = id;
    this.canvas.select(id);
    this.renderInspector();
    this.showTab(id === GLOBAL_ID ? "script" : "inspector");
  }

  /** Select a node and open collapsed ancestors so it can be seen; `path` (a finding's) says which
   * field of it gets the cursor. Handlers and intent rules live on the Script tab. */
  focusNode(id, branch = null, path = "") {
    if (!id || !nodeById(this.doc, id)) return this.focusScriptItem(branch, path);
    let p = this.tree.parent.get(id);
    let opened = false;
    while (p) { if (this.collapsed.delete(p)) opened = true; p = this.tree.parent.get(p); }
    if (opened) { this.saveView(); this.draw(); }
    this.select(id);
    this.canvas.select(id, { center: true });
    this.focusField($("#inspector"), branch, path);
  }

  focusScriptItem(branch, path) {
    const m = /^\$\.(global_handlers|intent_rules)\[(\d+)\]/.exec(path || "");
    if (!m && !branch) return;
    this.showTab("script");
    const root = $("#script-form");
    const box = m && m[1] === "intent_rules" ? root.querySelectorAll("fieldset.rule")[Number(m[2])] : null;
    if (box) { box.scrollIntoView({ block: "center" }); flash(box); const f = box.querySelector("input,select"); if (f) f.focus(); return; }
    this.focusField(root, branch, path);
  }

  focusField(root, branch, path) {
    const leaf = (/\.(goto|else_goto|when|max_times|prompt|outcome|next|default|queue|title)(?:\.|$|\[)/.exec(path || "") || [])[1];
    const box = branch ? root.querySelector(`fieldset.branch[data-branch="${CSS.escape(branch)}"]`) : null;
    const scope = box || root;
    const sel = { goto: "select.goto", else_goto: "select.else-goto", when: ".cond-value, select.cond-kind", max_times: "input.max-times",
      prompt: "#prompt-text", outcome: "#node-outcome", next: "#node-next", default: "#node-default", title: "#node-title" }[leaf];
    const el = (sel && scope.querySelector(sel)) || (box && box.querySelector("select, input"));
    if (box) { box.scrollIntoView({ block: "center" }); flash(box); }
    if (el) { el.scrollIntoView({ block: "center" }); el.focus(); flash(el); }
  }

  focusTitle() {
    const el = $("#node-title");
    if (el) { el.focus(); el.select(); }
  }

  // ---- UI plumbing ----
  /** The search box: mark every node whose title, prompt or keywords hold the text; select and
   * centre the first (Enter: the next one). */
  search(text, next) {
    const hits = searchNodes(this.doc, text);
    const count = $("#search-count");
    this.canvas.mark(hits);
    if (!text.trim()) { count.textContent = ""; this.hits = []; return; }
    if (!hits.length) { count.textContent = T("ed.search.none"); this.hits = []; return; }
    const same = this.hits && this.hits.join() === hits.join();
    this.hitIndex = same && next ? (this.hitIndex + 1) % hits.length : same ? this.hitIndex : 0;
    this.hits = hits;
    count.textContent = `${this.hitIndex + 1}/${hits.length}`;
    const id = hits[this.hitIndex];
    let p = this.tree.parent.get(id);
    let opened = false;
    while (p) { if (this.collapsed.delete(p)) opened = true; p = this.tree.parent.get(p); }
    if (opened) { this.saveView(); this.draw(); this.canvas.mark(hits); }
    this.selected = id;
    this.canvas.select(id);
    this.renderInspector();
    this.canvas.cy.animate({ center: { eles: this.canvas.cy.getElementById(id) }, zoom: Math.max(this.canvas.cy.zoom(), 0.9) }, { duration: 200 });
  }

  /** A finding's one-click fix (fixes.js); an ordinary edit, so Undo takes it back. */
  fix(finding) {
    if (this.readOnly) return;
    if (!applyFix(this.doc, finding)) return;
    this.changed();
    this.toast(T("ed.check.fixed"));
  }

  showTab(name) {
    document.querySelectorAll(".tabs button").forEach((b) => b.classList.toggle("active", b.dataset.tab === name));
    document.querySelectorAll(".tab").forEach((p) => { p.hidden = p.id !== `tab-${name}`; });
    if (name === "talk" && this.talk) this.talk.renderVars(this.doc);
  }

  toast(text) {
    const el = $("#toast");
    el.textContent = text;
    el.hidden = false;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => { el.hidden = true; }, 3500);
  }

  banner(kind, text, actions = []) {
    const el = $("#banner");
    el.className = `banner ${kind}`;
    fill(el, h("span", {}, text));
    for (const [label, fn] of actions) {
      const b = h("button", { type: "button", class: "small", dataset: { action: label } }, T(label));
      b.addEventListener("click", fn);
      el.appendChild(b);
    }
    el.hidden = false;
  }

  saveStatus(state, body = {}) {
    const el = $("#save-status");
    el.dataset.state = state;
    // the version number as History lists it (the revision counts autosaves and means nothing to a reader)
    el.textContent = state === "saved" ? T("ed.save.saved_v", { number: body.number ?? this.store.number ?? "" }) : T(`ed.save.${state}`);
    if (state === "saved") $("#banner").hidden = true;
    if (state === "stale") {
      this.banner("warn", T("ed.stale", { revision: body.revision ?? "?", by: body.by || "?" }), [
        ["ed.use_mine", () => this.overwriteWithMine(this.doc)],
        ["ed.use_server", () => this.dropLocal()],
      ]);
    }
    if (state === "auth") {
      this.banner("warn", T("ed.expired"), [["ed.sign_in", () => { window.location.href = `/login?next=${encodeURIComponent(window.location.pathname)}`; }]]);
    }
    if (state === "error") this.banner("error", T("ed.save_failed", { error: body.error || "?" }));
  }

  async overwriteWithMine(doc) {
    this.doc = doc;
    this.lastSnapshot = JSON.stringify(doc);
    this.store.pending = doc;
    this.store.blocked = null;
    await this.store.flush(true);
    this.draw(); this.renderInspector(); this.renderScriptForm();
  }

  async dropLocal() {
    localStorage.removeItem(this.store.key);
    this.store.blocked = null;
    this.store.pending = null;
    const server = await this.store.load();
    this.restoreFromServer(server.doc);
    $("#banner").hidden = true;
  }

  restoreFromServer(doc) {
    this.doc = doc; this.lastSnapshot = JSON.stringify(doc); this.undo = []; this.redo = [];
    this.draw(); this.renderInspector(); this.renderScriptForm(); this.check.run(this.doc);
  }

  async previewTts() {
    const node = nodeById(this.doc, this.selected);
    if (!node || !node.prompt) return;
    if (node.prompt.mode === "recording" && node.prompt.audio) {
      const audio = $("#tts-audio");
      audio.src = `/recordings/${encodeURIComponent(node.prompt.audio)}`;
      audio.hidden = false;
      audio.play().catch(() => {});
      return;
    }
    const r = await fetch("/tts", {
      method: "POST",
      headers: { "Content-Type": "application/json", "x-csrftoken": boot.csrf },
      body: JSON.stringify({ text: node.prompt.text || "", voice: (this.doc.settings || {}).voice || null, language: this.doc.language, variables: Object.fromEntries(Object.entries(this.doc.variables || {}).map(([k, v]) => [k, v.example ?? ""])) }),
    });
    if (!r.ok) { const body = await r.json().catch(() => ({})); return this.toast(body.error || T("ed.tts_failed")); }
    const audio = $("#tts-audio");
    audio.src = URL.createObjectURL(await r.blob());
    audio.hidden = false;
    audio.play().catch(() => {});
  }

  async uploadRecording(file, input = null) {
    const form = new FormData();
    form.append("file", file);
    const r = await fetch(`/scripts/${encodeURIComponent(boot.scriptKey)}/recordings`, { method: "POST", headers: { "x-csrftoken": boot.csrf, Accept: "application/json" }, body: form });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) {
      // the server says why in the user's language; the decoder's own text goes to the console
      if (body.detail) console.info("recording refused:", body.detail);
      if (input) input.value = ""; // the refused file is not "chosen" any more
      return this.toast(body.error || T("ed.rec.failed", { status: r.status }));
    }
    const node = nodeById(this.doc, this.selected);
    node.prompt = node.prompt || {};
    node.prompt.audio = body.audio;
    node.prompt.mode = "recording";
    this.changed();
    this.toast(T("ed.uploaded"));
  }

  insertVariable(token) {
    const ta = $("#prompt-text");
    if (!ta) return;
    const [a, b] = [ta.selectionStart, ta.selectionEnd];
    ta.value = ta.value.slice(0, a) + token + ta.value.slice(b);
    ta.focus();
    ta.selectionStart = ta.selectionEnd = a + token.length;
    ta.dispatchEvent(new Event("input", { bubbles: true }));
    ta.dispatchEvent(new Event("change", { bubbles: true }));
  }

  bindUi() {
    $("#undo").onclick = () => this.doUndo();
    $("#redo").onclick = () => this.doRedo();
    $("#fit").onclick = () => this.canvas.fit(this.doc.start);
    const search = $("#node-search");
    search.addEventListener("input", () => this.search(search.value, false));
    search.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") { ev.preventDefault(); this.search(search.value, true); }
      if (ev.key === "Escape") { search.value = ""; this.search("", false); }
    });
    $("#relayout").onclick = () => this.autoLayout();
    $("#add-child").onclick = () => this.addChildOf(this.selected);
    $("#add-sibling").onclick = () => this.addSibling();
    $("#link").onclick = () => this.startLink();
    $("#delete-node").onclick = () => this.deleteSelected();
    $("#collapse").onclick = () => this.selected && this.toggleCollapse(this.selected);
    document.querySelectorAll(".tabs button").forEach((b) => { b.onclick = () => this.showTab(b.dataset.tab); });
    $("#inspector").addEventListener("click", (ev) => {
      if (this.forms.click(ev)) return;
      if (ev.target.id === "tts-preview") this.previewTts();
      const chip = ev.target.closest("[data-insert]");
      if (chip) this.insertVariable(chip.dataset.insert);
    });
    $("#inspector").addEventListener("change", (ev) => { if (ev.target.id === "recording-file" && ev.target.files[0]) this.uploadRecording(ev.target.files[0], ev.target); });
    $("#script-form").addEventListener("click", (ev) => {
      if (this.scriptForms.click(ev)) return;
      const id = ev.target.id;
      if (id === "add-var") { const n = $("#new-var").value.trim(); if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n)) return this.refuse("bad_var"); this.doc.variables[n] = { type: "string" }; this.changed(); }
      if (id === "add-intent") { const n = $("#new-intent").value.trim(); if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n)) return this.refuse("bad_var"); this.doc.intents[n] = { keywords: [] }; this.changed(); }
      if (id === "add-handler") this.askHandler();
      if (id === "add-rule") { this.doc.intent_rules.push({ label: T("ed.new_rule"), category: "no_intent", when: {} }); this.changed(); }
    });
    document.addEventListener("keydown", (ev) => this.key(ev));
    // submit what is on screen: wait for the autosave before the form goes
    const submitForm = $("#submit-form");
    if (submitForm) submitForm.addEventListener("submit", async (ev) => {
      if (!this.store.pending && !this.store.saving) return;
      ev.preventDefault();
      for (let i = 0; i < 200 && (this.store.pending || this.store.saving) && !this.store.blocked; i++) {
        if (!this.store.saving) await this.store.flush();
        else await new Promise((r) => setTimeout(r, 50));
      }
      if (this.store.pending) { this.toast(T("ed.submit_unsaved")); return; }
      submitForm.submit();
    });
    window.addEventListener("beforeunload", (ev) => { if (this.store.pending) { this.store.flush(); ev.preventDefault(); } });
    const intents = new Set(BUILTIN_INTENTS);
    let lastErrorNodes = "";
    document.addEventListener("hs:checked", () => {
      for (const k of Object.keys((this.doc && this.doc.intents) || {})) intents.add(k);
      // intent names are the script's data: option values, never markup
      fill($("#intent-names"), [...intents].map((i) => h("option", { value: i })));
      const now = [...this.check.errorNodes].sort().join(" ");
      if (now !== lastErrorNodes) { lastErrorNodes = now; this.draw(); } // red borders changed
    });
  }

  /** "+ global handler": what the customer says (or what happens) picks a safe target. */
  async askHandler() {
    const sel = h("select", { id: "handler-preset" }, HANDLER_PRESETS.map((p) => h("option", { value: p }, T(`ed.handler.preset.${p}`))));
    const ok = await ask({
      title: T("ed.handler.title"), id: "handler-dialog", cancel: T("ed.dlg.cancel"), initialFocus: "#handler-preset",
      body: [h("label", {}, T("ed.handler.preset"), sel), h("p", { class: "hint" }, T("ed.handler.hint"))],
      buttons: [{ label: T("ed.handler.add"), value: "ok", kind: "primary" }],
    });
    if (ok !== "ok") return;
    addHandler(this.doc, sel.value);
    this.changed();
  }

  key(ev) {
    if (document.querySelector("dialog[open]")) return; // the open question has the keyboard
    const tag = (ev.target.tagName || "").toLowerCase();
    const typing = tag === "input" || tag === "textarea" || tag === "select" || ev.target.isContentEditable;
    const mod = ev.ctrlKey || ev.metaKey;
    if (mod && ev.key.toLowerCase() === "z" && !typing) { ev.preventDefault(); if (ev.shiftKey) this.doRedo(); else this.doUndo(); return; }
    if (mod && ev.key.toLowerCase() === "y" && !typing) { ev.preventDefault(); this.doRedo(); return; }
    if (mod && ev.key.toLowerCase() === "s") { ev.preventDefault(); this.store.flush(); return; }
    if (ev.key === "Escape") { this.linkFrom = null; document.body.classList.remove("linking"); if (typing) ev.target.blur(); return; }
    if (typing && ev.key === "Enter" && ev.target.id === "node-title") { ev.preventDefault(); ev.target.blur(); $("#canvas").focus(); return; }
    if (typing || mod || ev.altKey) return;
    const id = this.selected;
    const move = (to) => { if (to) { ev.preventDefault(); this.select(to); this.canvas.select(to, { center: false }); } };
    switch (ev.key) {
      case "Tab": ev.preventDefault(); this.addChildOf(id); break;
      case "Enter": ev.preventDefault(); this.addSibling(); break;
      case "Delete": case "Backspace": ev.preventDefault(); this.deleteSelected(); break;
      case "F2": ev.preventDefault(); this.focusTitle(); break;
      case " ": ev.preventDefault(); if (id) this.toggleCollapse(id); break;
      case "l": case "L": this.startLink(); break;
      case "ArrowLeft": move(this.tree.parent.get(id)); break;
      case "ArrowRight": move((this.tree.children.get(id) || [])[0]); break;
      case "ArrowUp": case "ArrowDown": {
        const sib = this.tree.children.get(this.tree.parent.get(id)) || [];
        const i = sib.indexOf(id);
        move(sib[i + (ev.key === "ArrowUp" ? -1 : 1)]);
        break;
      }
      default: break;
    }
  }
}

const editor = new Editor();
window.hsEditor = editor;
editor.start();
// the script test lab (attack under Check, save test talk as a case): its own module
import("./lab.js").then((m) => { editor.lab = new m.LabPanel(editor, T, boot.csrf); });
