import { test } from "node:test";
import assert from "node:assert/strict";

import { applyFix, hasFix } from "../fixes.js";
import { successEnds } from "../safe.js";

const doc = () => ({
  language: "en-US", start: "a",
  nodes: [
    { id: "a", type: "say_listen", prompt: { text: "Top up?" }, branches: [{ id: "again", when: { intent: "repeat" }, goto: "a" }, { id: "y", when: { intent: "affirm" }, goto: "ok" }] },
    { id: "ok", type: "end", outcome: "done" },
  ],
  global_handlers: [],
  intent_rules: [{ label: "ok", category: "success", when: { outcome: "done" } }],
});

test("missing silence / not-understood branches are added as repeat-once-then-goodbye", () => {
  const d = doc();
  assert.ok(applyFix(d, { code: "missing_silence_branch", node: "a" }));
  const b = d.nodes[0].branches.at(-1);
  assert.deepEqual(b.when, { event: "silence" });
  assert.equal(b.goto, "a");
  assert.ok(!successEnds(d).has(b.else_goto));
  assert.equal(d.nodes.find((n) => n.id === b.else_goto).prompt.text.length > 0, true);
});

test("handler findings add a handler that does not end in success", () => {
  const d = doc();
  assert.ok(applyFix(d, { code: "no_opt_out_handler", node: null }));
  assert.ok(applyFix(d, { code: "no_busy_later_handler", node: null }));
  for (const h of d.global_handlers) assert.ok(!successEnds(d).has(h.goto));
});

test("an unbounded retry gets a limit and a goodbye", () => {
  const d = doc();
  assert.ok(applyFix(d, { code: "unbounded_loop", node: "a", branch: "again" }));
  const b = d.nodes[0].branches[0];
  assert.equal(b.max_times, 2);
  assert.ok(b.else_goto && !successEnds(d).has(b.else_goto));
});

test("findings without a safe fix have none", () => {
  assert.equal(hasFix({ code: "end_without_outcome", node: "ok" }), false);
  assert.equal(hasFix({ code: "missing_silence_branch", node: null }), false);
  assert.equal(applyFix(doc(), { code: "dangling_target", node: "a", branch: "y" }), false);
});
