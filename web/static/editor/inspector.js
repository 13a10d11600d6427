// The side panel forms: the selected node (prompt, barge-in, tags, score, branches) and the
// script itself (settings, variables, global handlers, intents, intent rules). Each input is
// bound to a getter/setter; the editor decides what a change means (undo snapshot, autosave).

const COND_KINDS = ["intent", "keywords", "regex", "dtmf", "silence", "no_match", "dtmf_timeout", "expr"];
const EVENTS = new Set(["silence", "no_match", "dtmf_timeout"]);
const NODE_TYPES = ["say_listen", "say", "condition", "transfer", "end"];
const CATEGORIES = ["success", "failure", "no_intent", "human_follow_up"];
const VAR_TYPES = ["string", "number", "amount", "date", "phone"];

const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const list = (v) => (v || []).join(", ");
const parseList = (s) => s.split(/[,，\n]/).map((x) => x.trim()).filter(Boolean);

export function condKind(when) {
  const [k, v] = Object.entries(when || { intent: "" })[0] || ["intent", ""];
  return k === "event" ? v : k;
}

function condValue(when) {
  const [k, v] = Object.entries(when || {})[0] || ["intent", ""];
  if (k === "event") return "";
  return k === "keywords" ? list(v) : v ?? "";
}

function makeWhen(kind, raw) {
  if (EVENTS.has(kind)) return { event: kind };
  if (kind === "keywords") return { keywords: parseList(raw) };
  return { [kind]: raw };
}

export class Forms {
  constructor(T, onChange, onStructure) {
    this.T = T;
    this.onChange = onChange; // value edits: (label) => void
    this.onStructure = onStructure; // edits that re-render the form
    this.bindings = [];
  }

  bind(get, set, kind = "text") {
    this.bindings.push({ get, set, kind });
    return `data-k="${this.bindings.length - 1}"`;
  }

  input(label, get, set, { kind = "text", attrs = "", id = "" } = {}) {
    const v = get();
    const b = this.bind(get, set, kind);
    if (kind === "bool") return `<label class="check"><input type="checkbox" ${b} ${v ? "checked" : ""} ${attrs}> ${esc(label)}</label>`;
    if (kind === "textarea") return `<label>${esc(label)}<textarea ${b} ${id ? `id="${id}"` : ""} ${attrs}>${esc(v)}</textarea></label>`;
    const type = kind === "number" ? "number" : "text";
    return `<label>${esc(label)}<input type="${type}" ${b} value="${esc(v)}" ${id ? `id="${id}"` : ""} ${attrs}></label>`;
  }

  select(label, options, get, set, { id = "", attrs = "" } = {}) {
    const v = get();
    const opts = options.map(([val, text]) => `<option value="${esc(val)}" ${String(v ?? "") === String(val) ? "selected" : ""}>${esc(text)}</option>`).join("");
    return `<label>${esc(label)}<select ${this.bind(get, set, "select")} ${id ? `id="${id}"` : ""} ${attrs}>${opts}</select></label>`;
  }

  /** Wire the rendered HTML inside `root` to the bindings. */
  attach(root) {
    const handle = (ev, final) => {
      const k = ev.target.dataset && ev.target.dataset.k;
      if (k === undefined) return;
      const b = this.bindings[Number(k)];
      if (!b) return;
      if (!final && b.kind !== "text" && b.kind !== "textarea" && b.kind !== "number") return;
      let v = ev.target.type === "checkbox" ? ev.target.checked : ev.target.value;
      if (b.kind === "number") v = v === "" ? undefined : Number(v);
      const structural = b.set(v);
      if (structural === "structure") this.onStructure();
      else this.onChange(final);
    };
    root.oninput = (ev) => handle(ev, false);
    root.onchange = (ev) => handle(ev, true);
  }

  nodeOptions(doc, { empty = true, ret = false } = {}) {
    const opts = empty ? [["", "—"]] : [];
    if (ret) opts.push(["@return", "@return ↩"]);
    for (const n of doc.nodes) opts.push([n.id, n.title && n.title !== n.id ? `${n.title} (${n.id})` : n.id]);
    return opts;
  }

  branchEditor(doc, owner, key, b, idx, { global = false } = {}) {
    const T = this.T;
    const setOpt = (obj, k) => (v) => { if (v === "" || v === undefined || v === null) delete obj[k]; else obj[k] = v; };
    let h = `<fieldset class="branch" data-branch="${esc(b.id)}"><legend>${esc(b.id)}</legend>`;
    h += this.input(T("ed.label"), () => b.label || "", setOpt(b, "label"));
    h += this.select(T("ed.condition"), COND_KINDS.map((k) => [k, T(`ed.cond.${k}`)]), () => condKind(b.when), (v) => { b.when = makeWhen(v, condValue(b.when)); return "structure"; }, { attrs: `class="cond-kind"` });
    if (!EVENTS.has(condKind(b.when))) {
      const hint = T(`ed.hint.${condKind(b.when)}`);
      h += this.input(T("ed.value"), () => condValue(b.when), (v) => { b.when = makeWhen(condKind(b.when), v); }, { attrs: `class="cond-value" placeholder="${esc(hint)}" list="${condKind(b.when) === "intent" ? "intent-names" : ""}"` });
    }
    h += this.select(T("ed.goto"), this.nodeOptions(doc, { empty: false, ret: global }), () => b.goto, (v) => { b.goto = v; }, { attrs: `class="goto"` });
    h += `<div class="row">`;
    h += this.input(T("ed.max_times"), () => b.max_times ?? "", setOpt(b, "max_times"), { kind: "number", attrs: `min="1" max="100"` });
    h += this.select(T("ed.else_goto"), this.nodeOptions(doc, { ret: global }), () => b.else_goto || "", setOpt(b, "else_goto"));
    h += `</div>`;
    h += this.input(T("ed.tags"), () => list(b.tags), (v) => { const l = parseList(v); if (l.length) b.tags = l; else delete b.tags; });
    if (global) h += this.input(T("ed.override"), () => !!b.override, (v) => { if (v) b.override = true; else delete b.override; }, { kind: "bool" });
    const removeK = this.bind(() => null, () => { owner[key].splice(idx, 1); return "structure"; }, "button");
    h += `<button type="button" class="small danger" data-action="k" ${removeK}>${esc(T("ed.remove"))}</button></fieldset>`;
    return h;
  }

  renderNode(doc, node, ctx) {
    const T = this.T;
    this.bindings = [];
    if (!node) return `<p class="hint">${esc(T("ed.select_hint"))}</p>`;
    const setOpt = (obj, k) => (v) => { if (v === "" || v === undefined || v === null) delete obj[k]; else obj[k] = v; };
    let h = `<div class="inspector" data-node="${esc(node.id)}">`;
    h += this.input(T("ed.node_id"), () => node.id, (v) => ctx.rename(node.id, v.trim()) || "structure", { id: "node-id" });
    h += this.select(T("ed.type"), NODE_TYPES.map((t) => [t, T(`ed.type.${t}`)]), () => node.type, (v) => { ctx.setType(node.id, v); return "structure"; }, { id: "node-type" });
    h += `<p class="hint" id="type-hint">${esc(T(`ed.typehint.${node.type}`))}</p>`;
    h += this.input(T("ed.title"), () => node.title || "", setOpt(node, "title"), { id: "node-title" });
    if (node.type !== "condition") {
      node.prompt = node.prompt || {};
      const vars = Object.keys(doc.variables || {});
      h += this.input(T("ed.prompt"), () => node.prompt.text || "", (v) => { node.prompt.text = v; }, { kind: "textarea", id: "prompt-text" });
      h += `<div class="vars">${esc(T("ed.insert_var"))}: ${vars.map((v) => `<button type="button" class="chip" data-insert="\${${esc(v)}}">\${${esc(v)}}</button>`).join(" ") || `<em>${esc(T("ed.no_vars"))}</em>`}</div>`;
      h += `<div class="row">`;
      h += this.select(T("ed.prompt_mode"), [["tts", "TTS"], ["recording", T("ed.recording")]], () => node.prompt.mode || "tts", (v) => { if (v === "tts") delete node.prompt.mode; else node.prompt.mode = v; });
      h += `<button type="button" id="tts-preview" class="small">${esc(T("ed.play"))}</button></div>`;
      h += `<audio id="tts-audio" controls hidden></audio>`;
      h += `<label>${esc(T("ed.upload_recording"))}<input type="file" id="recording-file" accept="audio/*,.wav,.mp3,.ogg"></label>`;
      if (node.prompt.audio) h += `<p class="hint">${esc(T("ed.recording"))}: <code>${esc(node.prompt.audio)}</code></p>`;
      h += this.select(T("ed.barge_in"), [["", T("ed.inherit")], ["true", T("ed.yes")], ["false", T("ed.no")]], () => (node.barge_in === undefined ? "" : String(node.barge_in)), (v) => { if (v === "") delete node.barge_in; else node.barge_in = v === "true"; });
    }
    h += `<div class="row">`;
    h += this.input(T("ed.tags"), () => list(node.tags), (v) => { const l = parseList(v); if (l.length) node.tags = l; else delete node.tags; });
    h += this.input(T("ed.score"), () => node.score ?? "", setOpt(node, "score"), { kind: "number", attrs: `step="any"` });
    h += `</div>`;
    if (node.type === "say" || node.type === "transfer") h += this.select(T("ed.next"), this.nodeOptions(doc), () => node.next || "", (v) => { setOpt(node, "next")(v); return "structure"; }, { id: "node-next" });
    if (node.type === "transfer") h += this.input(T("ed.queue"), () => node.queue || "", (v) => { node.queue = v || "default"; });
    if (node.type === "end") h += this.input(T("ed.outcome"), () => node.outcome || "", setOpt(node, "outcome"), { id: "node-outcome" });
    if (node.type === "condition") h += this.select(T("ed.default"), this.nodeOptions(doc), () => node.default || "", (v) => { setOpt(node, "default")(v); return "structure"; });
    if (node.type === "say_listen" || node.type === "condition") {
      h += `<h3>${esc(T("ed.branches"))}</h3>`;
      (node.branches || []).forEach((b, i) => { h += this.branchEditor(doc, node, "branches", b, i); });
      const addK = this.bind(() => null, () => { ctx.addBranch(node.id); return "structure"; }, "button");
      h += `<button type="button" class="small" id="add-branch" data-action="k" ${addK}>+ ${esc(T("ed.add_branch"))}</button>`;
    }
    h += `</div>`;
    return h;
  }

  renderScript(doc) {
    const T = this.T;
    this.bindings = [];
    doc.settings = doc.settings || {};
    const s = doc.settings;
    const setOpt = (obj, k) => (v) => { if (v === "" || v === undefined || v === null || Number.isNaN(v)) delete obj[k]; else obj[k] = v; };
    let h = `<div class="script-form">`;
    h += this.input(T("ed.script_name"), () => doc.name, (v) => { doc.name = v; });
    h += `<div class="row">` + this.input(T("ed.language"), () => doc.language, (v) => { doc.language = v; }) + this.input(T("ed.business"), () => doc.business || "", setOpt(doc, "business")) + `</div>`;
    h += this.input(T("ed.description"), () => doc.description || "", setOpt(doc, "description"), { kind: "textarea" });
    h += `<h3>${esc(T("ed.settings"))}</h3><div class="grid2">`;
    for (const k of ["silence_timeout_ms", "max_consecutive_silences", "dtmf_timeout_ms", "max_turns", "max_duration_s"]) {
      h += this.input(T(`ed.set.${k}`), () => s[k] ?? "", setOpt(s, k), { kind: "number", attrs: `min="0" id="set-${k}"` });
    }
    h += this.input(T("ed.set.voice"), () => s.voice || "", setOpt(s, "voice"));
    h += `</div>`;
    h += this.input(T("ed.set.barge_in"), () => s.barge_in !== false, (v) => { s.barge_in = v; }, { kind: "bool" });
    h += `<h3>${esc(T("ed.variables"))}</h3>`;
    doc.variables = doc.variables || {};
    for (const [name, v] of Object.entries(doc.variables)) {
      h += `<fieldset class="var"><legend>\${${esc(name)}}</legend><div class="row">`;
      h += this.select(T("ed.var_type"), VAR_TYPES.map((x) => [x, x]), () => v.type || "string", (x) => { v.type = x; });
      h += this.input(T("ed.required"), () => !!v.required, (x) => { v.required = x; }, { kind: "bool" });
      const rm = this.bind(() => null, () => { delete doc.variables[name]; return "structure"; }, "button");
      h += `<button type="button" class="small danger" data-action="k" ${rm}>${esc(T("ed.remove"))}</button></div><div class="row">`;
      h += this.input(T("ed.example"), () => v.example ?? "", setOpt(v, "example"));
      h += this.input(T("ed.var_default"), () => v.default ?? "", setOpt(v, "default"), { attrs: `id="var-default-${esc(name)}" title="${esc(T("ed.var_default_hint"))}"` });
      h += `</div></fieldset>`;
    }
    h += `<div class="row"><input id="new-var" placeholder="${esc(T("ed.var_name"))}"><button type="button" class="small" id="add-var">+ ${esc(T("ed.add_variable"))}</button></div>`;
    h += `<h3>${esc(T("ed.global_handlers"))}</h3>`;
    doc.global_handlers = doc.global_handlers || [];
    doc.global_handlers.forEach((b, i) => { h += this.branchEditor(doc, doc, "global_handlers", b, i, { global: true }); });
    h += `<button type="button" class="small" id="add-handler">+ ${esc(T("ed.add_handler"))}</button>`;
    h += `<h3>${esc(T("ed.intents"))}</h3>`;
    doc.intents = doc.intents || {};
    for (const [name, it] of Object.entries(doc.intents)) {
      h += `<fieldset class="intent"><legend>${esc(name)}</legend>`;
      for (const k of ["keywords", "synonyms", "examples", "regex"]) h += this.input(T(`ed.intent.${k}`), () => list(it[k]), (v) => { const l = parseList(v); if (l.length) it[k] = l; else delete it[k]; });
      const rm = this.bind(() => null, () => { delete doc.intents[name]; return "structure"; }, "button");
      h += `<button type="button" class="small danger" data-action="k" ${rm}>${esc(T("ed.remove"))}</button></fieldset>`;
    }
    h += `<div class="row"><input id="new-intent" placeholder="${esc(T("ed.intent_name"))}"><button type="button" class="small" id="add-intent">+ ${esc(T("ed.add_intent"))}</button></div>`;
    h += `<h3>${esc(T("ed.intent_rules"))}</h3><p class="hint">${esc(T("ed.intent_rules_hint"))}</p>`;
    doc.intent_rules = doc.intent_rules || [];
    doc.intent_rules.forEach((r, i) => {
      r.when = r.when || {};
      h += `<fieldset class="rule"><legend>${esc(r.label)}</legend><div class="row">`;
      h += this.input(T("ed.rule_label"), () => r.label, (v) => { r.label = v; });
      h += this.select(T("ed.category"), CATEGORIES.map((c) => [c, T(`ed.cat.${c}`)]), () => r.category, (v) => { r.category = v; });
      h += this.input(T("ed.priority"), () => r.priority ?? "", setOpt(r, "priority"), { kind: "number" });
      h += `</div>`;
      for (const k of ["nodes_any", "nodes_all", "tags_any", "tags_all"]) h += this.input(T(`ed.rule.${k}`), () => list(r.when[k]), (v) => { const l = parseList(v); if (l.length) r.when[k] = l; else delete r.when[k]; });
      h += `<div class="row">` + this.input(T("ed.rule.score_min"), () => r.when.score_min ?? "", setOpt(r.when, "score_min"), { kind: "number", attrs: `step="any"` });
      h += this.input(T("ed.rule.outcome"), () => (Array.isArray(r.when.outcome) ? list(r.when.outcome) : r.when.outcome || ""), (v) => { const l = parseList(v); if (l.length > 1) r.when.outcome = l; else if (l.length) r.when.outcome = l[0]; else delete r.when.outcome; });
      h += this.select(T("ed.rule.customer_spoke"), [["", "—"], ["true", T("ed.yes")], ["false", T("ed.no")]], () => (r.when.customer_spoke === undefined ? "" : String(r.when.customer_spoke)), (v) => { if (v === "") delete r.when.customer_spoke; else r.when.customer_spoke = v === "true"; });
      h += `</div>`;
      const rm = this.bind(() => null, () => { doc.intent_rules.splice(i, 1); return "structure"; }, "button");
      h += `<button type="button" class="small danger" data-action="k" ${rm}>${esc(T("ed.remove"))}</button></fieldset>`;
    });
    h += `<button type="button" class="small" id="add-rule">+ ${esc(T("ed.add_rule"))}</button>`;
    h += `</div>`;
    return h;
  }

  /** Buttons bound through data-k fire here (remove, add branch). */
  click(ev) {
    const el = ev.target.closest("[data-action='k']");
    if (!el) return false;
    const b = this.bindings[Number(el.dataset.k)];
    if (b && b.set() === "structure") this.onStructure();
    return true;
  }
}

export { esc, parseList };
