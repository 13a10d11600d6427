// The editor page: one document in memory, every edit snapshotted for undo, redrawn on the
// canvas, checked by the server (debounced) and autosaved with the optimistic revision.

import { Canvas } from "./canvas.js";
import { addChild, addLink, deleteNode, nodeById, freshId, renameNode, reparent, setType } from "./doc.js";
import { Forms } from "./inspector.js";
import { GLOBAL_ID } from "./tree.js";
import { CheckPanel, TalkPanel } from "./panels.js";
import { DraftStore } from "./store.js";
import { fill, h } from "./dom.js";

const boot = JSON.parse(document.getElementById("hs-boot").textContent);
boot.csrf = document.querySelector("meta[name=csrf-token]").content;
const MSG = boot.i18n;
const T = (k, params = {}) => (MSG[k] || k).replace(/\{(\w+)\}/g, (_, p) => (p in params ? params[p] : `{${p}}`));
const $ = (sel) => document.querySelector(sel);

const UNDO_LIMIT = 200;

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
    this.canvas = new Canvas($("#canvas"), {
      onSelect: (id) => this.handleCanvasClick(id),
      onDrop: (id, target, pos) => this.handleDrop(id, target, pos),
      onToggleCollapse: (id) => this.toggleCollapse(id),
    }, T);
    this.forms = new Forms(T, (final) => this.changed({ structure: false, final }), () => this.changed({ structure: true }));
    this.scriptForms = new Forms(T, (final) => this.changed({ structure: false, final, scriptForm: true }), () => this.changed({ structure: true }));
    this.check = new CheckPanel($("#check-panel"), T, boot.csrf, (node) => this.focusNode(node));
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
    this.draw();
    this.canvas.fit();
    this.renderInspector();
    this.renderScriptForm();
    this.check.run(this.doc);
    this.select(this.doc.start);
    document.body.dataset.readyMs = String(Math.round(performance.now()));
    document.body.dataset.ready = "1";
  }

  // ---- drawing ----
  draw() {
    this.tree = this.canvas.render(this.doc, { findings: this.check.errorNodes, path: this.path, current: this.current });
    if (this.selected) this.canvas.select(this.selected);
    $("#undo").disabled = !this.undo.length || this.readOnly;
    $("#redo").disabled = !this.redo.length || this.readOnly;
  }

  renderInspector() {
    const node = this.selected ? nodeById(this.doc, this.selected) : null;
    const root = $("#inspector");
    fill(root, this.forms.renderNode(this.doc, node, {
      rename: (oldId, newId) => this.rename(oldId, newId),
      setType: (id, type) => setType(this.doc, id, type),
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

  addChildOf(id) {
    if (this.readOnly || !id) return;
    const r = addChild(this.doc, id, null);
    if (r.error) return this.refuse(r.error);
    const collapsed = this.doc.layout && this.doc.layout.collapsed;
    if (collapsed && collapsed.includes(id)) this.doc.layout.collapsed = collapsed.filter((c) => c !== id);
    this.selected = r.id;
    this.changed();
    this.canvas.select(r.id, { center: true });
    this.focusTitle();
  }

  addSibling() {
    const parent = this.tree && this.tree.parent.get(this.selected);
    if (!parent) return this.refuse("no_parent");
    this.addChildOf(parent);
  }

  deleteSelected() {
    if (this.readOnly || !this.selected) return;
    const parent = this.tree.parent.get(this.selected) || null;
    const err = deleteNode(this.doc, this.selected);
    if (err) return this.refuse(err);
    this.selected = parent;
    this.changed();
  }

  addBranch(id) {
    const node = nodeById(this.doc, id);
    const target = this.doc.nodes.find((n) => n.type === "end") || node;
    node.branches = node.branches || [];
    node.branches.push({ id: freshId(this.doc, "b"), when: node.type === "condition" ? { expr: "true" } : { intent: "affirm" }, goto: target.id });
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
    this.doc.layout = this.doc.layout || {};
    const c = new Set(this.doc.layout.collapsed || []);
    if (c.has(id)) c.delete(id); else c.add(id);
    this.doc.layout.collapsed = [...c];
    if (this.readOnly) { this.draw(); return; }
    this.changed({ structure: false });
  }

  autoLayout() {
    if (!this.doc.layout) return;
    delete this.doc.layout.positions;
    if (this.readOnly) this.draw(); else this.changed({ structure: false });
    this.canvas.fit();
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

  focusNode(id) {
    if (!nodeById(this.doc, id)) return;
    // open collapsed ancestors so the node can be seen
    const collapsed = new Set((this.doc.layout && this.doc.layout.collapsed) || []);
    let p = this.tree.parent.get(id);
    let opened = false;
    while (p) { if (collapsed.delete(p)) opened = true; p = this.tree.parent.get(p); }
    if (opened) { this.doc.layout.collapsed = [...collapsed]; this.draw(); }
    this.select(id);
    this.canvas.select(id, { center: true });
  }

  focusTitle() {
    const el = $("#node-title");
    if (el) { el.focus(); el.select(); }
  }

  // ---- UI plumbing ----
  showTab(name) {
    document.querySelectorAll(".tabs button").forEach((b) => b.classList.toggle("active", b.dataset.tab === name));
    document.querySelectorAll(".tab").forEach((p) => { p.hidden = p.id !== `tab-${name}`; });
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
    el.textContent = T(`ed.save.${state}`, { revision: body.revision ?? "" });
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
    $("#fit").onclick = () => this.canvas.fit();
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
      if (id === "add-handler") { this.doc.global_handlers.push({ id: freshId(this.doc, "g"), when: { intent: "opt_out" }, goto: (this.doc.nodes.find((n) => n.type === "end") || this.doc.nodes[0]).id }); this.changed(); }
      if (id === "add-rule") { this.doc.intent_rules.push({ label: T("ed.new_rule"), category: "success", when: {} }); this.changed(); }
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
    const intents = new Set(["affirm", "deny", "opt_out", "complaint", "who_are_you", "busy_later", "ask_price", "repeat", "already_done"]);
    let lastErrorNodes = "";
    document.addEventListener("hs:checked", () => {
      for (const k of Object.keys((this.doc && this.doc.intents) || {})) intents.add(k);
      // intent names are the script's data: option values, never markup
      fill($("#intent-names"), [...intents].map((i) => h("option", { value: i })));
      const now = [...this.check.errorNodes].sort().join(" ");
      if (now !== lastErrorNodes) { lastErrorNodes = now; this.draw(); } // red borders changed
    });
  }

  key(ev) {
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
