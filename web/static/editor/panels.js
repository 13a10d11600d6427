// The validation + QA panel and the test-talk panel. Both post the current draft as it is
// on screen, so what the user sees checked or talked through is exactly what they edited.

import { esc } from "./inspector.js";

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
  constructor(root, T, csrf, onFocus) {
    this.root = root; this.T = T; this.csrf = csrf; this.onFocus = onFocus;
    this.timer = null; this.seq = 0; this.errorNodes = new Set(); this.last = null; this.titles = {};
    root.addEventListener("click", (ev) => {
      const li = ev.target.closest("[data-node]");
      if (li && li.dataset.node) onFocus(li.dataset.node, li.dataset.branch || null);
    });
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
    if (!ok) { this.root.innerHTML = `<p class="error">${esc(data.error || status)}</p>`; return null; }
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
    let h = `<div class="check-head"><span class="badge ${data.valid ? "ok" : "bad"}" id="check-status">${esc(data.valid ? T("ed.check.valid") : T("ed.check.invalid", { n: (data.errors || []).length }))}</span>`;
    if (qa) h += ` <span class="badge score" id="qa-score">${esc(T("ed.check.score"))}: ${esc(qa.score)}</span>`;
    h += ` <span class="muted">${Math.round(ms)} ms</span></div>`;
    h += `<ul class="findings" id="findings">`;
    for (const [sev, f] of items) {
      h += `<li class="finding ${sev}" data-node="${esc(f.node || "")}" data-branch="${esc(f.branch || "")}" data-code="${esc(f.code || "")}"><b>${esc(sev === "error" ? T("ed.check.error") : T("ed.check.warning"))}</b> <code>${esc(f.code || "")}</code> ${f.node ? `<a href="#" class="goto-node">${esc(f.node)}</a>` : ""} ${esc(f.message || "")}</li>`;
    }
    if (!items.length) h += `<li class="finding none">${esc(T("ed.check.none"))}</li>`;
    h += `</ul>`;
    if (qa) {
      h += `<h3>${esc(T("ed.check.qa"))}</h3><ul class="findings" id="qa-findings">`;
      // validation findings are listed above already; QA adds coverage, prompts, compliance, flow
      for (const f of (qa.findings || []).filter((x) => x.category !== "validation")) h += `<li class="finding ${esc(f.severity || "info")}" data-node="${esc(f.node || "")}"><code>${esc(f.code || "")}</code> ${f.node ? `<a href="#" class="goto-node">${esc(f.node)}</a>` : ""} ${esc(f.message || "")}</li>`;
      h += `</ul>`;
      if (qa.metrics) h += metricsTable(qa.metrics, T, this.titles, qa.score);
    }
    this.root.innerHTML = h;
  }
}

// The QA metrics as a reader sees them: labelled, yes/no, lists joined, seconds with their unit,
// the score's deductions as a small table. Metrics this page does not know are shown as they come.
const METRIC_ORDER = ["valid", "nodes", "reachable_nodes", "listening_nodes", "end_nodes", "success_ends", "turns_to_success", "max_prompt_seconds", "total_prompt_seconds", "penalties"];

export function metricValue(key, v, T, titles = {}) {
  if (typeof v === "boolean") return esc(v ? T("ed.yes") : T("ed.no"));
  if (v === null || v === undefined) return "—";
  if (key.endsWith("_seconds") && typeof v === "number") return esc(T("ed.metric.seconds", { n: v }));
  if (key === "success_ends" && Array.isArray(v)) return v.length ? v.map((id) => `<span class="chip-ro" title="${esc(id)}">${esc(titles[id] || id)}</span>`).join(" ") : esc(T("ed.metric.none"));
  if (Array.isArray(v)) return esc(v.join(", "));
  if (typeof v === "object") return `<table class="sub">${Object.entries(v).map(([k, x]) => `<tr><td>${esc(T(`ed.qa_cat.${k}`) === `ed.qa_cat.${k}` ? k : T(`ed.qa_cat.${k}`))}</td><td>${esc(typeof x === "object" ? JSON.stringify(x) : x)}</td></tr>`).join("")}</table>`;
  return esc(v);
}

export function metricsTable(metrics, T, titles = {}, score = null) {
  const keys = [...METRIC_ORDER.filter((k) => k in metrics), ...Object.keys(metrics).filter((k) => !METRIC_ORDER.includes(k))];
  let h = `<table class="metrics" id="qa-metrics">`;
  for (const k of keys) {
    const label = T(`ed.metric.${k}`);
    const v = metrics[k];
    if (k === "penalties" && v && typeof v === "object") {
      const rows = Object.entries(v);
      const total = rows.reduce((a, [, x]) => a + (Number(x) || 0), 0);
      h += `<tr data-metric="${esc(k)}"><th>${esc(label)}</th><td><table class="sub" id="qa-penalties"><thead><tr><th>${esc(T("ed.metric.category"))}</th><th>${esc(T("ed.metric.deducted"))}</th></tr></thead>`;
      for (const [cat, x] of rows) h += `<tr class="${x ? "minus" : ""}"><td>${esc(T(`ed.qa_cat.${cat}`) === `ed.qa_cat.${cat}` ? cat : T(`ed.qa_cat.${cat}`))}</td><td>${x ? `−${esc(x)}` : "0"}</td></tr>`;
      if (score !== null) h += `<tr class="total"><td>${esc(T("ed.metric.score_line", { total }))}</td><td>${esc(score)}</td></tr>`;
      h += `</table></td></tr>`;
      continue;
    }
    h += `<tr data-metric="${esc(k)}"><th>${esc(label === `ed.metric.${k}` ? k : label)}</th><td>${metricValue(k, v, T, titles)}</td></tr>`;
  }
  return h + `</table>`;
}

export class TalkPanel {
  constructor(root, T, csrf, getDoc, onPath) {
    this.root = root; this.T = T; this.csrf = csrf; this.getDoc = getDoc; this.onPath = onPath;
    this.replies = []; this.vars = null;
    this.log = root.querySelector("#talk-log");
    this.form = root.querySelector("#talk-form");
    this.input = root.querySelector("#talk-input");
    root.querySelector("#talk-start").addEventListener("click", () => this.start());
    root.querySelector("#talk-silence").addEventListener("click", () => this.send("", "silence"));
    this.form.addEventListener("submit", (ev) => { ev.preventDefault(); this.send(this.input.value); });
  }

  defaultVars(doc) {
    const out = {};
    for (const [k, v] of Object.entries(doc.variables || {})) out[k] = v.example ?? "";
    return out;
  }

  async start() {
    this.replies = [];
    this.vars = this.defaultVars(this.getDoc());
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

  async run() {
    const { ok, data } = await postJSON("/talk", { doc: this.getDoc(), variables: this.vars || {}, replies: this.replies }, this.csrf);
    if (!ok) { this.log.innerHTML += `<div class="turn error">${esc(data.error)}</div>`; return; }
    this.finished = !!data.finished;
    let h = "";
    for (const turn of data.turns || []) {
      h += `<div class="turn ${esc(turn.who)}" data-node="${esc(turn.node || "")}"><b>${esc(this.T(turn.who === "bot" ? "ed.talk.bot" : "ed.talk.customer"))}:</b> ${esc(turn.text || (turn.who === "customer" ? this.T("ed.talk.silence") : ""))}</div>`;
    }
    if (data.finished) h += `<div class="turn end" id="talk-end">${esc(this.T("ed.talk.ended"))}: ${esc(data.outcome || "")} ${data.intent ? `· ${esc(data.intent)}` : ""}</div>`;
    this.log.innerHTML = h;
    this.log.scrollTop = this.log.scrollHeight;
    this.form.querySelector("button[type=submit]").disabled = this.finished;
    this.onPath(data.path || [], data.current || null);
  }
}
