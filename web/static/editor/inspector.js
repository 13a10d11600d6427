// The side panel forms: the selected node (prompt, barge-in, tags, score, branches) and the
// script itself (settings, variables, global handlers, intents, intent rules). Each input is
// bound to a getter/setter; the editor decides what a change means (undo snapshot, autosave).
// Built as DOM nodes (dom.js), never as HTML text: every value of the script is data.

import { h } from "./dom.js";
import { repeatThenGoodbye, successEnds } from "./safe.js";

const COND_KINDS = ["intent", "keywords", "regex", "dtmf", "silence", "no_match", "dtmf_timeout", "expr"];
const EVENTS = new Set(["silence", "no_match", "dtmf_timeout"]);
const NODE_TYPES = ["say_listen", "say", "condition", "transfer", "end"];
const CATEGORIES = ["success", "failure", "no_intent", "human_follow_up"];
const VAR_TYPES = ["string", "number", "amount", "date", "phone"];

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

const row = (...children) => h("div", { class: "row" }, ...children);

export class Forms {
  constructor(T, onChange, onStructure) {
    this.T = T;
    this.onChange = onChange; // value edits: (label) => void
    this.onStructure = onStructure; // edits that re-render the form
    this.bindings = [];
  }

  /** The binding's index, for `data-k` on the element that edits it. */
  bind(get, set, kind = "text") {
    this.bindings.push({ get, set, kind });
    return String(this.bindings.length - 1);
  }

  /** A labelled input bound to get/set; `attrs` are extra attributes (id, placeholder, min, ...). */
  input(label, get, set, { kind = "text", attrs = {}, id = "" } = {}) {
    const v = get();
    const k = this.bind(get, set, kind);
    const common = { ...attrs, id: id || attrs.id, dataset: { k } };
    if (kind === "bool") return h("label", { class: "check" }, h("input", { type: "checkbox", ...common, checked: !!v }), " ", label);
    if (kind === "textarea") return h("label", {}, label, h("textarea", { ...common, value: String(v ?? "") }));
    return h("label", {}, label, h("input", { type: kind === "number" ? "number" : "text", ...common, value: String(v ?? "") }));
  }

  select(label, options, get, set, { id = "", attrs = {} } = {}) {
    const v = String(get() ?? "");
    const opts = options.map(([val, text]) => h("option", { value: String(val), selected: v === String(val) }, text));
    return h("label", {}, label, h("select", { ...attrs, id: id || attrs.id, dataset: { k: this.bind(get, set, "select") } }, opts));
  }

  /** A button bound to an action (remove, add branch); fired through `click`. */
  actionButton(text, action, attrs = {}) {
    return h("button", { type: "button", class: "small", ...attrs, dataset: { action: "k", k: this.bind(() => null, action, "button") } }, text);
  }

  /** Wire the rendered form inside `root` to the bindings. */
  attach(root) {
    const handle = (ev, final) => {
      const k = ev.target.dataset && ev.target.dataset.k;
      if (k === undefined) return;
      const b = this.bindings[Number(k)];
      if (!b) return;
      if (!final && b.kind !== "text" && b.kind !== "textarea" && b.kind !== "number") return;
      let v = ev.target.type === "checkbox" ? ev.target.checked : ev.target.value;
      if (b.kind === "multi") v = [...ev.target.selectedOptions].map((o) => o.value);
      if (b.kind === "number") v = v === "" ? undefined : Number(v);
      const structural = b.set(v);
      if (structural === "structure") this.onStructure();
      else this.onChange(final);
    };
    root.oninput = (ev) => handle(ev, false);
    root.onchange = (ev) => handle(ev, true);
  }

  /** A multiple choice (intent rules' nodes and outcomes): `get` and `set` take arrays of values. */
  multi(label, options, get, set, { attrs = {} } = {}) {
    const v = new Set((get() || []).map(String));
    const opts = options.map(([val, text]) => h("option", { value: String(val), selected: v.has(String(val)) }, text));
    return h("label", {}, label, h("select", { ...attrs, multiple: true, class: attrs.class || "multi", size: String(Math.min(6, Math.max(3, options.length))), dataset: { k: this.bind(get, set, "multi") } }, opts));
  }

  nodeOptions(doc, { empty = true, ret = false, unset = false } = {}) {
    const opts = unset ? [["", this.T("ed.goto_unset")]] : empty ? [["", "—"]] : [];
    if (ret) opts.push(["@return", "@return ↩"]);
    for (const n of doc.nodes) opts.push([n.id, n.title && n.title !== n.id ? `${n.title} (${n.id})` : n.id]);
    return opts;
  }

  /** Nodes by title only (the id only where two titles are the same): what a reader picks from. */
  titleOptions(doc) {
    const count = new Map();
    for (const n of doc.nodes) count.set(n.title || n.id, (count.get(n.title || n.id) || 0) + 1);
    return doc.nodes.map((n) => { const t = n.title || n.id; return [n.id, count.get(t) > 1 ? `${t} (${n.id})` : t]; });
  }

  branchEditor(doc, owner, key, b, idx, { global = false } = {}) {
    const T = this.T;
    const setOpt = (obj, k) => (v) => { if (v === "" || v === undefined || v === null) delete obj[k]; else obj[k] = v; };
    const kind = condKind(b.when);
    const back = global ? "@return" : owner.id;
    // a branch nobody pointed anywhere yet, and one that counts a silent / unwilling customer as a success
    const unset = !b.goto ? h("p", { class: "unset" }, T("ed.goto_unset_hint"),
      EVENTS.has(kind) ? [" ", this.actionButton(T("ed.repeat_pair"), () => { repeatThenGoodbye(doc, b, back); return "structure"; }, { class: "small repeat-pair" })] : "") : "";
    const risky = EVENTS.has(kind) || (kind === "intent" && ["opt_out", "deny", "complaint", "busy_later"].includes(b.when.intent));
    const toSuccess = risky && [b.goto, b.else_goto].some((t) => t && successEnds(doc).has(t)) ? h("p", { class: "warn-success" }, T("ed.warn_success")) : "";
    return h("fieldset", { class: "branch", dataset: { branch: b.id } },
      h("legend", {}, b.id),
      this.input(T("ed.label"), () => b.label || "", setOpt(b, "label")),
      this.select(T("ed.condition"), COND_KINDS.map((k) => [k, T(`ed.cond.${k}`)]), () => condKind(b.when), (v) => { b.when = makeWhen(v, condValue(b.when)); return "structure"; }, { attrs: { class: "cond-kind" } }),
      EVENTS.has(kind) ? null : this.input(T("ed.value"), () => condValue(b.when), (v) => { b.when = makeWhen(condKind(b.when), v); },
        { attrs: { class: "cond-value", placeholder: T(`ed.hint.${kind}`), list: kind === "intent" ? "intent-names" : "" } }),
      this.select(T("ed.goto"), this.nodeOptions(doc, { empty: false, ret: global, unset: true }), () => b.goto || "", (v) => { b.goto = v; return "structure"; }, { attrs: { class: "goto" } }),
      unset, toSuccess,
      row(
        this.input(T("ed.max_times"), () => b.max_times ?? "", setOpt(b, "max_times"), { kind: "number", attrs: { min: "1", max: "100", class: "max-times" } }),
        this.select(T("ed.else_goto"), this.nodeOptions(doc, { ret: global }), () => b.else_goto || "", (v) => { setOpt(b, "else_goto")(v); return "structure"; }, { attrs: { class: "else-goto" } }),
      ),
      this.input(T("ed.tags"), () => list(b.tags), (v) => { const l = parseList(v); if (l.length) b.tags = l; else delete b.tags; }),
      global ? this.input(T("ed.override"), () => !!b.override, (v) => { if (v) b.override = true; else delete b.override; }, { kind: "bool" }) : null,
      this.actionButton(T("ed.remove"), () => { owner[key].splice(idx, 1); return "structure"; }, { class: "small danger" }),
    );
  }

  renderNode(doc, node, ctx) {
    const T = this.T;
    this.bindings = [];
    if (!node) return h("p", { class: "hint" }, T("ed.select_hint"));
    const setOpt = (obj, k) => (v) => { if (v === "" || v === undefined || v === null) delete obj[k]; else obj[k] = v; };
    const box = h("div", { class: "inspector", dataset: { node: node.id } },
      this.input(T("ed.node_id"), () => node.id, (v) => ctx.rename(node.id, v.trim()) || "structure", { id: "node-id" }),
      this.select(T("ed.type"), NODE_TYPES.map((t) => [t, T(`ed.type.${t}`)]), () => node.type, (v) => { ctx.setType(node.id, v); return "structure"; }, { id: "node-type" }),
      h("p", { class: "hint", id: "type-hint" }, T(`ed.typehint.${node.type}`)),
      this.input(T("ed.title"), () => node.title || "", setOpt(node, "title"), { id: "node-title" }),
    );
    if (node.type !== "condition") {
      node.prompt = node.prompt || {};
      const vars = Object.keys(doc.variables || {});
      const chips = vars.map((v, i) => [i ? " " : "", h("button", { type: "button", class: "chip", dataset: { insert: `\${${v}}` } }, `\${${v}}`)]);
      box.append(
        this.input(T("ed.prompt"), () => node.prompt.text || "", (v) => { node.prompt.text = v; }, { kind: "textarea", id: "prompt-text" }),
        h("div", { class: "vars" }, `${T("ed.insert_var")}: `, vars.length ? chips : h("em", {}, T("ed.no_vars"))),
        row(
          this.select(T("ed.prompt_mode"), [["tts", "TTS"], ["recording", T("ed.recording")]], () => node.prompt.mode || "tts", (v) => { if (v === "tts") delete node.prompt.mode; else node.prompt.mode = v; }),
          h("button", { type: "button", id: "tts-preview", class: "small" }, T("ed.play")),
        ),
        h("audio", { id: "tts-audio", controls: true, hidden: true }),
        h("label", {}, T("ed.upload_recording"), h("input", { type: "file", id: "recording-file", accept: "audio/*,.wav,.mp3,.ogg" })),
        node.prompt.audio ? h("p", { class: "hint" }, `${T("ed.recording")}: `, h("code", {}, node.prompt.audio)) : "",
        this.select(T("ed.barge_in"), [["", T("ed.inherit")], ["true", T("ed.yes")], ["false", T("ed.no")]], () => (node.barge_in === undefined ? "" : String(node.barge_in)), (v) => { if (v === "") delete node.barge_in; else node.barge_in = v === "true"; }),
      );
    }
    box.append(row(
      this.input(T("ed.tags"), () => list(node.tags), (v) => { const l = parseList(v); if (l.length) node.tags = l; else delete node.tags; }),
      this.input(T("ed.score"), () => node.score ?? "", setOpt(node, "score"), { kind: "number", attrs: { step: "any" } }),
    ));
    if (node.type === "say" || node.type === "transfer") box.append(this.select(T("ed.next"), this.nodeOptions(doc), () => node.next || "", (v) => { setOpt(node, "next")(v); return "structure"; }, { id: "node-next" }));
    if (node.type === "transfer") box.append(this.input(T("ed.queue"), () => node.queue || "", (v) => { node.queue = v || "default"; }));
    if (node.type === "end") box.append(this.input(T("ed.outcome"), () => node.outcome || "", setOpt(node, "outcome"), { id: "node-outcome" }));
    if (node.type === "condition") box.append(this.select(T("ed.default"), this.nodeOptions(doc), () => node.default || "", (v) => { setOpt(node, "default")(v); return "structure"; }, { id: "node-default" }));
    if (node.type === "say_listen" || node.type === "condition") {
      box.append(h("h3", {}, T("ed.branches")));
      (node.branches || []).forEach((b, i) => { box.append(this.branchEditor(doc, node, "branches", b, i)); });
      box.append(this.actionButton(`+ ${T("ed.add_branch")}`, () => { ctx.addBranch(node.id); return "structure"; }, { id: "add-branch" }));
    }
    return box;
  }

  renderScript(doc) {
    const T = this.T;
    this.bindings = [];
    doc.settings = doc.settings || {};
    const s = doc.settings;
    const setOpt = (obj, k) => (v) => { if (v === "" || v === undefined || v === null || Number.isNaN(v)) delete obj[k]; else obj[k] = v; };
    const box = h("div", { class: "script-form" },
      this.input(T("ed.script_name"), () => doc.name, (v) => { doc.name = v; }),
      row(this.input(T("ed.language"), () => doc.language, (v) => { doc.language = v; }), this.input(T("ed.business"), () => doc.business || "", setOpt(doc, "business"))),
      this.input(T("ed.description"), () => doc.description || "", setOpt(doc, "description"), { kind: "textarea" }),
      h("h3", {}, T("ed.settings")),
      h("div", { class: "grid2" },
        ["silence_timeout_ms", "max_consecutive_silences", "dtmf_timeout_ms", "max_turns", "max_duration_s"].map((k) =>
          this.input(T(`ed.set.${k}`), () => s[k] ?? "", setOpt(s, k), { kind: "number", attrs: { min: "0", id: `set-${k}` } })),
        this.input(T("ed.set.voice"), () => s.voice || "", setOpt(s, "voice")),
      ),
      this.input(T("ed.set.barge_in"), () => s.barge_in !== false, (v) => { s.barge_in = v; }, { kind: "bool" }),
      h("h3", {}, T("ed.variables")),
    );
    doc.variables = doc.variables || {};
    for (const [name, v] of Object.entries(doc.variables)) {
      box.append(h("fieldset", { class: "var" },
        h("legend", {}, `\${${name}}`),
        row(
          this.select(T("ed.var_type"), VAR_TYPES.map((x) => [x, x]), () => v.type || "string", (x) => { v.type = x; }),
          this.input(T("ed.required"), () => !!v.required, (x) => { v.required = x; }, { kind: "bool" }),
          this.actionButton(T("ed.remove"), () => { delete doc.variables[name]; return "structure"; }, { class: "small danger" }),
        ),
        row(
          this.input(T("ed.example"), () => v.example ?? "", setOpt(v, "example")),
          this.input(T("ed.var_default"), () => v.default ?? "", setOpt(v, "default"), { attrs: { id: `var-default-${name}`, title: T("ed.var_default_hint") } }),
        ),
      ));
    }
    box.append(
      row(h("input", { id: "new-var", placeholder: T("ed.var_name") }), h("button", { type: "button", class: "small", id: "add-var" }, `+ ${T("ed.add_variable")}`)),
      h("h3", {}, T("ed.global_handlers")),
    );
    doc.global_handlers = doc.global_handlers || [];
    doc.global_handlers.forEach((b, i) => { box.append(this.branchEditor(doc, doc, "global_handlers", b, i, { global: true })); });
    box.append(h("button", { type: "button", class: "small", id: "add-handler" }, `+ ${T("ed.add_handler")}`), h("h3", {}, T("ed.intents")));
    doc.intents = doc.intents || {};
    for (const [name, it] of Object.entries(doc.intents)) {
      box.append(h("fieldset", { class: "intent" },
        h("legend", {}, name),
        ["keywords", "synonyms", "examples", "regex"].map((k) => this.input(T(`ed.intent.${k}`), () => list(it[k]), (v) => { const l = parseList(v); if (l.length) it[k] = l; else delete it[k]; })),
        this.actionButton(T("ed.remove"), () => { delete doc.intents[name]; return "structure"; }, { class: "small danger" }),
      ));
    }
    box.append(
      row(h("input", { id: "new-intent", placeholder: T("ed.intent_name") }), h("button", { type: "button", class: "small", id: "add-intent" }, `+ ${T("ed.add_intent")}`)),
      h("h3", {}, T("ed.intent_rules")),
      h("p", { class: "hint" }, T("ed.intent_rules_hint")),
    );
    doc.intent_rules = doc.intent_rules || [];
    doc.intent_rules.forEach((r, i) => {
      r.when = r.when || {};
      box.append(h("fieldset", { class: "rule" },
        h("legend", {}, r.label),
        row(
          this.input(T("ed.rule_label"), () => r.label, (v) => { r.label = v; }),
          this.select(T("ed.category"), CATEGORIES.map((c) => [c, T(`ed.cat.${c}`)]), () => r.category, (v) => { r.category = v; }),
          this.input(T("ed.priority"), () => r.priority ?? "", setOpt(r, "priority"), { kind: "number" }),
        ),
        // nodes by title and outcomes from the script's end nodes: no ids to type (a typed title was
        // refused as intent_rule_unknown_node); values the script no longer has stay listed so they can be removed
        ["nodes_any", "nodes_all"].map((k) => this.multi(T(`ed.rule.${k}`), withMissing(this.titleOptions(doc), r.when[k]), () => r.when[k] || [],
          (v) => { if (v.length) r.when[k] = v; else delete r.when[k]; }, { attrs: { class: `multi rule-${k}` } })),
        ["tags_any", "tags_all"].map((k) => this.input(T(`ed.rule.${k}`), () => list(r.when[k]), (v) => { const l = parseList(v); if (l.length) r.when[k] = l; else delete r.when[k]; })),
        row(
          this.input(T("ed.rule.score_min"), () => r.when.score_min ?? "", setOpt(r.when, "score_min"), { kind: "number", attrs: { step: "any" } }),
          this.multi(T("ed.rule.outcome"), withMissing(endOutcomes(doc), [r.when.outcome].flat().filter(Boolean)), () => [r.when.outcome].flat().filter(Boolean),
            (v) => { if (v.length > 1) r.when.outcome = v; else if (v.length) r.when.outcome = v[0]; else delete r.when.outcome; }, { attrs: { class: "multi rule-outcome" } }),
          this.select(T("ed.rule.customer_spoke"), [["", "—"], ["true", T("ed.yes")], ["false", T("ed.no")]], () => (r.when.customer_spoke === undefined ? "" : String(r.when.customer_spoke)), (v) => { if (v === "") delete r.when.customer_spoke; else r.when.customer_spoke = v === "true"; }),
        ),
        this.actionButton(T("ed.remove"), () => { doc.intent_rules.splice(i, 1); return "structure"; }, { class: "small danger" }),
      ));
    });
    box.append(h("button", { type: "button", class: "small", id: "add-rule" }, `+ ${T("ed.add_rule")}`));
    return box;
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

/** The outcomes the script's end nodes set, each once, labelled with the end nodes' titles. */
function endOutcomes(doc) {
  const by = new Map();
  for (const n of doc.nodes || []) if (n.type === "end" && n.outcome) by.set(n.outcome, [...(by.get(n.outcome) || []), n.title || n.id]);
  return [...by].map(([o, titles]) => [o, `${o} — ${titles.join(", ")}`]);
}

/** `options` plus any chosen value that is not among them (shown as "value ⚠"). */
function withMissing(options, chosen) {
  const have = new Set(options.map(([v]) => v));
  return [...options, ...(chosen || []).filter((v) => !have.has(v)).map((v) => [v, `${v} ⚠`])];
}

export { parseList };
