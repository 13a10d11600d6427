// The editor's safe defaults and loss reports (web/static/editor/safe.js, doc.js): `npm test` in web/,
// or tests/web/test_editor_js_units.py from pytest.
import { test } from "node:test";
import assert from "node:assert/strict";

import { addEventBranch, addHandler, deleteLoss, goodbye, guessIntent, newBranch, successEnds, typeChangeLoss } from "../safe.js";
import { addChild, addLink, deleteNode, setType } from "../doc.js";

function script() {
  return {
    language: "zh-CN", start: "open",
    nodes: [
      { id: "open", type: "say_listen", title: "开场", prompt: { text: "您好" }, branches: [
        { id: "b1", when: { intent: "affirm" }, goto: "ok" },
        { id: "b2", when: { intent: "deny" }, goto: "ask" } ] },
      { id: "ask", type: "say_listen", title: "追问", prompt: { text: "为什么" }, branches: [
        { id: "b3", when: { intent: "affirm" }, goto: "ok" }, { id: "b4", when: { intent: "deny" }, goto: "no" } ] },
      { id: "ok", type: "end", title: "成功", prompt: { text: "谢谢" }, outcome: "done" },
      { id: "no", type: "end", title: "拒绝", prompt: { text: "再见" }, outcome: "refused" },
    ],
    global_handlers: [],
    intent_rules: [{ label: "成功", category: "success", when: { outcome: "done" } }, { label: "拒绝", category: "failure", when: { outcome: "refused" } }],
  };
}

test("success ends follow the success intent rules", () => {
  assert.deepEqual([...successEnds(script())], ["ok"]);
  const d = script();
  d.intent_rules.push({ label: "all", category: "success", when: {} });
  assert.deepEqual([...successEnds(d)].sort(), ["no", "ok"]);
});

test("a new silence / not-understood branch repeats once, then a polite goodbye that is not a success", () => {
  const d = script();
  for (const ev of ["silence", "no_match"]) {
    const b = addEventBranch(d, "open", ev);
    assert.deepEqual(b.when, { event: ev });
    assert.equal(b.goto, "open");
    assert.equal(b.max_times, 1);
    assert.ok(!successEnds(d).has(b.else_goto));
    assert.equal(d.nodes.find((n) => n.id === b.else_goto).type, "end");
  }
  assert.equal(d.nodes.filter((n) => n.id.startsWith("bye_polite")).length, 1, "the goodbye is reused");
  assert.equal(d.intent_rules.filter((r) => r.when.outcome === "no_response").length, 1);
});

test("global handler presets never point at a success end", () => {
  const d = script();
  for (const p of ["opt_out", "busy_later", "complaint", "who_are_you", "silence", "no_match", "custom"]) {
    const b = addHandler(d, p);
    assert.ok(!successEnds(d).has(b.goto), p);
    assert.notEqual(b.goto, "ok", p);
  }
  const optOut = d.global_handlers[0];
  assert.equal(optOut.override, true);
  assert.deepEqual(d.nodes.find((n) => n.id === optOut.goto).tags, ["opt_out"]);
  assert.equal(d.global_handlers[4].goto, "@return");
  assert.equal(d.global_handlers[2].goto, "", "complaint: the designer picks the target");
});

test("a goodbye whose outcome a success rule maps is not reused", () => {
  const d = script();
  d.nodes.push({ id: "x", type: "end", outcome: "no_response" });
  d.intent_rules.push({ label: "s", category: "success", when: { outcome: "no_response" } });
  const id = goodbye(d, "polite");
  assert.notEqual(id, "x");
});

test("+ branch has no target and never loops back to its own node", () => {
  const d = script();
  const b = newBranch(d, d.nodes[0]);
  assert.equal(b.goto, "");
  assert.notEqual(b.goto, "open");
  assert.equal(b.when.intent, "busy_later", "the next answer the node does not handle yet");
});

test("a child's intent: what the designer chose, else what its title says", () => {
  const d = script();
  const r = addChild(d, "open", "同意续费", null);
  assert.equal(d.nodes[0].branches.at(-1).when.intent, "affirm");
  assert.equal(d.nodes[0].branches.at(-1).goto, r.id);
  addChild(d, "open", "不需要", null);
  assert.equal(d.nodes[0].branches.at(-1).when.intent, "deny");
  addChild(d, "open", "价格", { keywords: ["多少钱"] });
  assert.deepEqual(d.nodes[0].branches.at(-1).when, { keywords: ["多少钱"] });
  assert.equal(guessIntent({ branches: [{ when: { intent: "affirm" } }] }, "Thanks"), "deny");
  assert.equal(guessIntent({ branches: [] }, "I'm busy, call later"), "busy_later");
});

test("changing a node's type reports the branches and the nodes that would be cut off", () => {
  const d = script();
  const loss = typeChangeLoss(d, "ask", "say");
  assert.deepEqual(loss.branches.map((b) => b.id), ["b3", "b4"]);
  assert.deepEqual(loss.orphans, ["no"]);
  assert.deepEqual(typeChangeLoss(d, "ask", "say_listen").branches, []);
  const endLoss = typeChangeLoss(d, "open", "end");
  assert.deepEqual(endLoss.orphans.sort(), ["ask", "no", "ok"]);
  setType(d, "ask", "say");
  assert.equal(d.nodes[1].branches, undefined);
});

test("deleting a node reports what hangs below; with orphans they go too", () => {
  const d = script();
  const loss = deleteLoss(d, "ask");
  assert.deepEqual(loss.orphans, ["no"]);
  assert.equal(loss.incoming, 1);
  assert.equal(loss.branches.length, 2);
  const keep = script();
  assert.equal(deleteNode(keep, "ask"), null);
  assert.deepEqual(keep.nodes.map((n) => n.id), ["open", "ok", "no"]);
  assert.equal(deleteNode(d, "ask", { withOrphans: true }), null);
  assert.deepEqual(d.nodes.map((n) => n.id), ["open", "ok"]);
  assert.deepEqual(d.nodes[0].branches.map((b) => b.id), ["b1"]);
  assert.equal(deleteNode(d, "open"), "start");
});

test("deleting a node takes it out of intent rules", () => {
  const d = script();
  d.intent_rules.push({ label: "r", category: "failure", when: { nodes_any: ["no", "ask"] } });
  deleteNode(d, "no");
  assert.deepEqual(d.intent_rules.at(-1).when.nodes_any, ["ask"]);
  deleteNode(d, "ask");
  assert.equal(d.intent_rules.at(-1).when.nodes_any, undefined);
});

test("a link to an existing node takes the intent its title suggests", () => {
  const d = script();
  assert.equal(addLink(d, "ask", "no"), null);
  assert.equal(d.nodes[1].branches.at(-1).when.intent, "deny");
});
