// The validation + QA panel and the test-talk panel. Both post the current draft as it is
// on screen, so what the user sees checked or talked through is exactly what they edited.

import { append, fill, h } from "./dom.js";
import { whenLabel } from "./tree.js";

async function postJSON(url, body, csrf) {
  const r = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", "x-csrftoken": csrf },
    body: JSON.stringify(body),
  });
  const data = await r.json().catch(() => ({ error: r.statusText }));
  return { ok: r.ok, status: r.status, data };
}

export class CheckPanel {
  /** `fixes` ({has, apply}) offers one-click fixes (fixes.js); without it findings only jump. */
  constructor(root, T, csrf, onFocus, fixes = null) {
    this.root = root; this.T = T; this.csrf = csrf; this.onFocus = onFocus; this.fixes = fixes;
    this.timer = null; this.seq = 0; this.errorNodes = new Set(); this.last = null; this.titles = {};
    // a finding is a link to its node and field (a handler's or a rule's on the Script tab)
    const go = (ev) => {
      const fix = ev.target.closest("button.fix");
      if (fix) { ev.preventDefault(); if (this.fixes) this.fixes.apply(JSON.parse(fix.dataset.finding)); return; }
      const li = ev.target.closest("li.finding");
      if (!li || !(li.dataset.node || li.dataset.branch || li.dataset.path)) return;
      ev.preventDefault();
      onFocus(li.dataset.node || null, li.dataset.branch || null, li.dataset.path || "");
    };
    root.addEventListener("click", go);
    root.addEventListener("keydown", (ev) => { if (ev.key === "Enter" && ev.target.matches("li.finding")) go(ev); });
  }

  schedule(doc, delay = 350) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(doc), delay);
  }

  async run(doc) {
    const seq = ++this.seq;
    this.titles = Object.fromEntries((doc.nodes || []).filter((n) => n.title).map((n) => [n.id, n.title]));
    const t0 = performance.now();
    const { ok, status, data } = await postJSON("/check", { doc }, this.csrf);
    if (seq !== this.seq) return null; // a newer edit is being checked
    if (!ok) { fill(this.root, h("p", { class: "error" }, String(data.error || status))); return null; }
    this.last = data;
    this.render(data, performance.now() - t0);
    document.dispatchEvent(new CustomEvent("hs:checked", { detail: data }));
    return data;
  }

  render(data, ms) {
    const T = this.T;
    const items = [...(data.errors || []).map((f) => ["error", f]), ...(data.warnings || []).map((f) => ["warning", f])];
    const qa = data.qa || null;
    this.errorNodes = new Set((data.errors || []).map((f) => f.node).filter(Boolean));
    const gotoNode = (f) => (f.node ? h("a", { href: "#", class: "goto-node" }, this.titles[f.node] || f.node) : "");
    const fixButton = (f) => (this.fixes && this.fixes.has(f) ? h("button", { type: "button", class: "small fix", dataset: { finding: JSON.stringify({ code: f.code, node: f.node || null, branch: f.branch || null }) } }, T("ed.check.fix")) : "");
    const focusable = (f) => !!(f.node || f.branch || /^\$\.(global_handlers|intent_rules)/.test(f.path || ""));
    const head = h("div", { class: "check-head" },
      h("span", { class: `badge ${data.valid ? "ok" : "bad"}`, id: "check-status" }, data.valid ? T("ed.check.valid") : T("ed.check.invalid", { n: (data.errors || []).length })),
      qa ? [" ", h("span", { class: "badge score", id: "qa-score" }, `${T("ed.check.score")}: ${qa.score}`)] : "",
      " ", h("span", { class: "muted" }, `${Math.round(ms)} ms`));
    const findings = h("ul", { class: "findings", id: "findings" },
      items.map(([sev, f]) => h("li", { class: `finding ${sev}`, tabindex: focusable(f) ? "0" : null, title: focusable(f) ? T("ed.check.jump") : null,
        dataset: { node: f.node || "", branch: f.branch || "", code: f.code || "", path: f.path || "" } },
        h("b", {}, sev === "error" ? T("ed.check.error") : T("ed.check.warning")), " ", gotoNode(f), " ", f.message || "", fixButton(f))),
      items.length ? "" : h("li", { class: "finding none" }, T("ed.check.none")));
    const parts = [head, findings];
    if (qa) {
      // validation findings are listed above already; QA adds coverage, prompts, compliance, flow
      parts.push(h("h3", {}, T("ed.check.qa")), h("ul", { class: "findings", id: "qa-findings" },
        (qa.findings || []).filter((x) => x.category !== "validation").map((f) =>
          h("li", { class: `finding ${f.severity || "info"}`, tabindex: f.node ? "0" : null, dataset: { node: f.node || "", branch: f.branch || "", code: f.code || "" } },
            gotoNode(f), " ", f.message || "", fixButton(f),
            f.suggestion ? h("span", { class: "suggestion" }, `${T("ed.check.suggest")}: ${f.suggestion}`) : ""))));
      if (qa.metrics) parts.push(metricsTable(qa.metrics, T, this.titles, qa.score));
    }
    fill(this.root, parts);
  }
}

// The QA metrics as a reader sees them: labelled, yes/no, lists joined, seconds with their unit,
// the score's deductions as a small table. Metrics this page does not know are shown as they come.
const METRIC_ORDER = ["valid", "nodes", "reachable_nodes", "listening_nodes", "end_nodes", "success_ends", "turns_to_success", "max_prompt_seconds", "total_prompt_seconds", "penalties"];
const catName = (T, k) => (T(`ed.qa_cat.${k}`) === `ed.qa_cat.${k}` ? k : T(`ed.qa_cat.${k}`));

/** One metric's value as DOM (text, chips or a small table). */
export function metricValue(key, v, T, titles = {}) {
  if (typeof v === "boolean") return v ? T("ed.yes") : T("ed.no");
  if (v === null || v === undefined) return "—";
  if (key.endsWith("_seconds") && typeof v === "number") return T("ed.metric.seconds", { n: v });
  if (key === "success_ends" && Array.isArray(v)) return v.length ? v.map((id, i) => [i ? " " : "", h("span", { class: "chip-ro", title: id }, titles[id] || id)]) : T("ed.metric.none");
  if (Array.isArray(v)) return v.join(", ");
  if (typeof v === "object") return h("table", { class: "sub" }, Object.entries(v).map(([k, x]) => h("tr", {}, h("td", {}, catName(T, k)), h("td", {}, typeof x === "object" ? JSON.stringify(x) : String(x)))));
  return String(v);
}

export function metricsTable(metrics, T, titles = {}, score = null) {
  const keys = [...METRIC_ORDER.filter((k) => k in metrics), ...Object.keys(metrics).filter((k) => !METRIC_ORDER.includes(k))];
  const table = h("table", { class: "metrics", id: "qa-metrics" });
  for (const k of keys) {
    const label = T(`ed.metric.${k}`);
    const v = metrics[k];
    if (k === "penalties" && v && typeof v === "object") {
      const rows = Object.entries(v);
      const total = rows.reduce((a, [, x]) => a + (Number(x) || 0), 0);
      table.append(h("tr", { dataset: { metric: k } }, h("th", {}, label), h("td", {},
        h("table", { class: "sub", id: "qa-penalties" },
          h("thead", {}, h("tr", {}, h("th", {}, T("ed.metric.category")), h("th", {}, T("ed.metric.deducted")))),
          rows.map(([cat, x]) => h("tr", { class: x ? "minus" : "" }, h("td", {}, catName(T, cat)), h("td", {}, x ? `−${x}` : "0"))),
          score !== null ? h("tr", { class: "total" }, h("td", {}, T("ed.metric.score_line", { total })), h("td", {}, String(score))) : ""))));
      continue;
    }
    table.append(h("tr", { dataset: { metric: k } }, h("th", {}, label === `ed.metric.${k}` ? k : label), h("td", {}, metricValue(k, v, T, titles))));
  }
  return table;
}

export class TalkPanel {
  constructor(root, T, csrf, getDoc, onPath) {
    this.root = root; this.T = T; this.csrf = csrf; this.getDoc = getDoc; this.onPath = onPath;
    this.replies = []; this.vars = null; this.typed = {};
    this.log = root.querySelector("#talk-log");
    this.form = root.querySelector("#talk-form");
    this.input = root.querySelector("#talk-input");
    this.varsBox = root.querySelector("#talk-vars");
    root.querySelector("#talk-start").addEventListener("click", () => this.start());
    root.querySelector("#talk-silence").addEventListener("click", () => this.send("", "silence"));
    this.form.addEventListener("submit", (ev) => { ev.preventDefault(); this.send(this.input.value); });
    if (this.varsBox) this.varsBox.addEventListener("input", (ev) => { if (ev.target.dataset.var) this.typed[ev.target.dataset.var] = ev.target.value; });
  }

  defaultVars(doc) {
    const out = {};
    for (const [k, v] of Object.entries(doc.variables || {})) out[k] = v.example ?? v.default ?? "";
    return out;
  }

  /** One field per script variable, prefilled with its example: what the bot says for ${name}. */
  renderVars(doc) {
    if (!this.varsBox) return;
    const vars = Object.keys(doc.variables || {});
    const defaults = this.defaultVars(doc);
    fill(this.varsBox, vars.length ? vars.map((k) => h("label", {}, `\${${k}}`,
      h("input", { dataset: { var: k }, id: `talk-var-${k}`, value: String(k in this.typed ? this.typed[k] : defaults[k]), autocomplete: "off" })))
      : h("p", { class: "hint" }, this.T("ed.no_vars")));
  }

  currentVars(doc) {
    const out = this.defaultVars(doc);
    for (const [k, v] of Object.entries(this.typed)) if (k in out) out[k] = v;
    return out;
  }

  async start() {
    this.replies = [];
    this.vars = this.currentVars(this.getDoc());
    await this.run();
    this.input.focus();
  }

  async send(text, kind = "text") {
    if (this.finished) return;
    this.replies.push(kind === "silence" ? { silence: true } : { text });
    this.input.value = "";
    await this.run();
    this.input.focus();
  }

  /** Branch, intent, confidence and why of a customer turn, as the call page shows them. */
  matchLine(m) {
    const T = this.T;
    const doc = this.getDoc();
    const title = (id) => { const n = (doc.nodes || []).find((x) => x.id === id); return n && n.title ? n.title : id; };
    if (!m.branch) return h("span", { class: "why" }, T("ed.talk.no_branch"), m.why ? [" · ", h("code", {}, m.why)] : "");
    const cond = m.when ? whenLabel(m.when, T) : "";
    const target = m.goto === "@return" ? T("ed.talk.return") : m.goto ? title(m.goto) : "—";
    return h("span", { class: "why" },
      `${T(m.global ? "ed.talk.handler" : "ed.talk.branch")}: `, h("b", {}, m.label || m.branch), cond ? ` (${cond})` : "", ` → ${target}`,
      m.kind === "speech" || m.kind === "dtmf" ? ` · ${T("ed.talk.confidence")} ${Math.round((m.confidence || 0) * 100)}%` : "",
      m.why ? [" · ", `${T("ed.talk.why")}: `, h("code", {}, m.why)] : "");
  }

  botText(turn) {
    if (!turn.kind || turn.kind === "say") return turn.text;
    const reason = turn.reason ? this.T(`ed.talk.reason.${turn.reason}`) : "";
    const said = reason.startsWith("ed.talk.reason.") ? turn.reason : reason;
    return `${turn.kind === "hangup" ? "☎ " : "→ "}${this.T(`ed.talk.${turn.kind}`)}${said ? `: ${said}` : ""}`;
  }

  async run() {
    const { ok, data } = await postJSON("/talk", { doc: this.getDoc(), variables: this.vars || {}, replies: this.replies }, this.csrf);
    if (!ok) { append(this.log, h("div", { class: "turn error" }, String(data.error ?? ""))); return; }
    this.finished = !!data.finished;
    fill(this.log,
      (data.turns || []).map((turn) => h("div", { class: `turn ${turn.who}`, dataset: { node: turn.node || "", branch: (turn.match && turn.match.branch) || "" } },
        h("b", {}, `${this.T(turn.who === "bot" ? "ed.talk.bot" : "ed.talk.customer")}:`), " ",
        turn.who === "bot" ? this.botText(turn) : turn.text || this.T("ed.talk.silence"),
        turn.match ? this.matchLine(turn.match) : "")),
      data.finished ? h("div", { class: "turn end", id: "talk-end" }, `${this.T("ed.talk.ended")}: ${data.outcome || ""} `, data.intent ? `· ${data.intent}` : "") : "");
    this.log.scrollTop = this.log.scrollHeight;
    this.form.querySelector("button[type=submit]").disabled = this.finished;
    this.onPath(data.path || [], data.current || null);
  }
}
