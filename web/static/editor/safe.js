// Safe defaults for what the editor creates, and what an edit would lose before it is made.
// Pure functions of the document (no DOM), tested with `node --test` (web/static/editor/tests).
//
// The rule: nothing the editor creates by itself counts a call as a success. A new branch has no
// target until the designer picks one (validation says so: dangling_target.unset_*), and the
// silence / not-understood / opt-out presets go to a polite goodbye whose outcome is not success.

import { links } from "./tree.js";

export const BUILTIN_INTENTS = ["affirm", "deny", "opt_out", "complaint", "who_are_you", "busy_later", "ask_price", "repeat", "already_done"];
export const EVENTS = ["silence", "no_match", "dtmf_timeout"];
const INTENT_CYCLE = ["affirm", "deny", "busy_later", "ask_price", "who_are_you", "repeat"];

// Words in a child's title that say which built-in intent the customer's answer is. A guess only:
// the dialog shows it preselected and the designer changes it.
const INTENT_WORDS = [
  ["opt_out", /不要再打|别再打|拒接|退订|opt.?out|do not call|don'?t call|stop calling/i],
  ["complaint", /投诉|complain/i],
  ["busy_later", /在忙|没空|稍后|晚点|回头|busy|later|call back/i],
  ["who_are_you", /你是谁|哪里|who are you|who is/i],
  ["ask_price", /价格|多少钱|费用|price|cost|how much/i],
  ["already_done", /已经|办过|已办|already/i],
  ["repeat", /再说|没听清|重复|repeat|again|pardon/i],
  ["deny", /不同意|不需要|不要|拒绝|不用|否|没有|deny|decline|refuse|\bno\b|not interested/i],
  ["affirm", /同意|好的|可以|愿意|需要|是的|确认|肯定|affirm|agree|accept|\byes\b|\bok\b|sure/i],
];

const zh = (doc) => String(doc.language || "").toLowerCase().startsWith("zh");

/** End nodes a success intent rule maps (as designer/_qa_coverage.success_ends decides). */
export function successEnds(doc) {
  const outcomes = new Set();
  const nodes = new Set();
  let catchAll = false;
  for (const r of doc.intent_rules || []) {
    if (r.category !== "success") continue;
    const w = r.when || {};
    const o = w.outcome;
    for (const x of Array.isArray(o) ? o : o ? [o] : []) outcomes.add(x);
    for (const x of [...(w.nodes_any || []), ...(w.nodes_all || [])]) nodes.add(x);
    if (!o && !(w.nodes_any || []).length && !(w.nodes_all || []).length) catchAll = true;
  }
  return new Set((doc.nodes || []).filter((n) => n.type === "end" && (catchAll || outcomes.has(n.outcome) || nodes.has(n.id))).map((n) => n.id));
}

/** The built-in intent a child's title suggests, else the first of the usual answers the node does not handle yet. */
export function guessIntent(node, title = "") {
  const t = String(title || "");
  for (const [intent, re] of INTENT_WORDS) if (re.test(t)) return intent;
  const taken = new Set((node && node.branches || []).map((b) => b.when && b.when.intent).filter(Boolean));
  return INTENT_CYCLE.find((i) => !taken.has(i)) || "affirm";
}

export function freshId(doc, prefix) {
  const used = new Set((doc.nodes || []).map((n) => n.id));
  for (const n of doc.nodes || []) for (const b of n.branches || []) used.add(b.id);
  for (const b of doc.global_handlers || []) used.add(b.id);
  let i = 1;
  while (used.has(`${prefix}${i}`)) i++;
  return `${prefix}${i}`;
}

// The goodbyes the presets point at: prompt, outcome, the intent rule's label and category, tags.
const GOODBYES = {
  polite: { id: "bye_polite", zh: ["礼貌结束", "不好意思打扰您了，祝您生活愉快，再见。", "无应答"], en: ["Polite goodbye", "Sorry to have bothered you. Have a nice day, goodbye.", "No answer"], outcome: "no_response", category: "no_intent" },
  opt_out: { id: "bye_opt_out", zh: ["不再打扰", "好的，以后不再打扰您，再见。", "拒绝来电"], en: ["Will not call again", "Understood, we will not call you again. Goodbye.", "Opted out"], outcome: "opt_out", category: "failure", tags: ["opt_out"] },
  busy: { id: "bye_busy", zh: ["稍后再联系", "好的，不打扰您了，我们稍后再联系您，再见。", "稍后回访"], en: ["Call back later", "All right, we will call you back later. Goodbye.", "Call back later"], outcome: "call_later", category: "human_follow_up" },
};

/** The goodbye end node of `kind` (polite | opt_out | busy): reused when the script has it, else created
 * with an intent rule for its outcome (never a success category). Returns its id. */
export function goodbye(doc, kind = "polite") {
  const g = GOODBYES[kind];
  const existing = (doc.nodes || []).find((n) => n.type === "end" && n.outcome === g.outcome && !successEnds(doc).has(n.id));
  if (existing) return existing.id;
  const [title, text, label] = zh(doc) ? g.zh : g.en;
  let id = g.id;
  for (let i = 2; (doc.nodes || []).some((n) => n.id === id); i++) id = `${g.id}${i}`;
  const node = { id, type: "end", title, prompt: { text }, outcome: g.outcome };
  if (g.tags) node.tags = [...g.tags];
  doc.nodes.push(node);
  doc.intent_rules = doc.intent_rules || [];
  const mapped = doc.intent_rules.some((r) => { const o = r.when && r.when.outcome; return o === g.outcome || (Array.isArray(o) && o.includes(g.outcome)); });
  if (!mapped) doc.intent_rules.push({ label, category: g.category, when: { outcome: g.outcome } });
  return id;
}

/** "Repeat once, then goodbye": the branch goes back to the question once (`back`: the node itself, or
 * "@return" for a global handler), and the next time to the polite goodbye. Returns the branch. */
export function repeatThenGoodbye(doc, branch, back) {
  branch.goto = back;
  branch.max_times = 1;
  branch.else_goto = goodbye(doc, "polite");
  return branch;
}

/** A new branch on a listening/condition node: no target until the designer picks one (never itself). */
export function newBranch(doc, node, when = null) {
  const w = when || (node.type === "condition" ? { expr: "true" } : { intent: guessIntent(node) });
  const b = { id: freshId(doc, "b"), when: w, goto: "" };
  node.branches = node.branches || [];
  node.branches.push(b);
  return b;
}

/** A new silence or not-understood branch on node `nodeId`, set to repeat once and then say goodbye. */
export function addEventBranch(doc, nodeId, event) {
  const node = (doc.nodes || []).find((n) => n.id === nodeId);
  if (!node) return null;
  const b = newBranch(doc, node, { event });
  return repeatThenGoodbye(doc, b, nodeId);
}

// The global handler presets: what the customer says, where it goes, whether it beats the node's branches.
export const HANDLER_PRESETS = ["opt_out", "busy_later", "complaint", "who_are_you", "silence", "no_match", "custom"];

/** A new global handler from a preset; its target is a goodbye that is not a success, "@return" once
 * for silence / not understood, or unset (the designer picks) for the others. */
export function addHandler(doc, preset) {
  doc.global_handlers = doc.global_handlers || [];
  const b = { id: freshId(doc, "g"), when: { intent: "opt_out" }, goto: "" };
  if (preset === "silence" || preset === "no_match") {
    b.when = { event: preset };
    repeatThenGoodbye(doc, b, "@return");
  } else if (preset === "opt_out") {
    b.goto = goodbye(doc, "opt_out");
    b.override = true;
  } else if (preset === "busy_later") {
    b.when = { intent: "busy_later" };
    b.goto = goodbye(doc, "busy");
  } else if (preset === "complaint" || preset === "who_are_you") {
    b.when = { intent: preset };
    if (preset === "complaint") b.override = true;
  } else {
    b.when = { keywords: [] };
  }
  doc.global_handlers.push(b);
  return b;
}

// ---- what an edit loses ----

/** Node ids reachable from the start and the global handlers, optionally without some links / nodes. */
export function reachable(doc, { skipLinks = new Set(), skipNodes = new Set() } = {}) {
  const byId = new Map((doc.nodes || []).map((n) => [n.id, n]));
  const seen = new Set();
  const stack = [doc.start, ...(doc.global_handlers || []).flatMap((b) => [b.goto, b.else_goto])].filter((x) => x && byId.has(x) && !skipNodes.has(x));
  while (stack.length) {
    const id = stack.pop();
    if (seen.has(id)) continue;
    seen.add(id);
    for (const l of links(byId.get(id))) if (!skipLinks.has(l.id) && byId.has(l.target) && !skipNodes.has(l.target) && !seen.has(l.target)) stack.push(l.target);
  }
  return seen;
}

// What each type keeps; everything else is dropped by a type change (doc.setType).
export const TYPE_DROPS = {
  say_listen: ["queue", "default"],
  say: ["branches", "queue", "default", "outcome"],
  condition: ["prompt", "queue", "outcome"],
  transfer: ["branches", "default"],
  end: ["branches", "next", "default", "queue"],
};

/** What changing node `id` to `type` would lose: the fields and links dropped, and the nodes no call
 * could reach any more. Empty lists: nothing is lost, no need to ask. */
export function typeChangeLoss(doc, id, type) {
  const n = (doc.nodes || []).find((x) => x.id === id);
  if (!n || n.type === type) return { fields: [], branches: [], orphans: [] };
  const drop = new Set(TYPE_DROPS[type] || []);
  const fields = [];
  if (drop.has("prompt") && n.prompt && (n.prompt.text || n.prompt.audio)) fields.push("prompt");
  for (const k of ["next", "default", "outcome"]) if (drop.has(k) && n[k]) fields.push(k);
  if (drop.has("queue") && n.queue && n.queue !== "default") fields.push("queue");
  const branches = drop.has("branches") ? (n.branches || []) : [];
  const lost = new Set(links(n).filter((l) => (l.branch ? drop.has("branches") : drop.has(l.kind))).map((l) => l.id));
  const before = reachable(doc);
  const after = reachable(doc, { skipLinks: lost });
  const orphans = [...before].filter((x) => !after.has(x) && x !== id);
  return { fields, branches, orphans };
}

/** What deleting node `id` would lose: its branches, the links into it, and the nodes that would hang
 * unreachable (these go too when the designer deletes "with what hangs below"). */
export function deleteLoss(doc, id) {
  const n = (doc.nodes || []).find((x) => x.id === id);
  if (!n) return { branches: [], incoming: 0, orphans: [], rules: 0 };
  const before = reachable(doc);
  const after = reachable(doc, { skipNodes: new Set([id]) });
  const orphans = [...before].filter((x) => !after.has(x) && x !== id);
  let incoming = 0;
  for (const m of doc.nodes) if (m.id !== id) for (const l of links(m)) if (l.target === id) incoming++;
  for (const b of doc.global_handlers || []) if (b.goto === id || b.else_goto === id) incoming++;
  const rules = (doc.intent_rules || []).filter((r) => ["nodes_any", "nodes_all"].some((k) => r.when && (r.when[k] || []).includes(id))).length;
  return { branches: n.branches || [], incoming, orphans, rules };
}
