import { test } from "node:test";
import assert from "node:assert/strict";

import { buildTree, layout, nodeLabel, searchNodes, whenLabel } from "../tree.js";

const doc = {
  start: "a",
  nodes: [
    { id: "a", type: "say_listen", title: "开场", prompt: { text: "您好，我是客服小王。请问是张先生吗？\n第二行" }, branches: [
      { id: "b1", when: { keywords: ["续费", "办理"] }, goto: "b" }, { id: "b2", when: { event: "silence" }, goto: "a" }] },
    { id: "b", type: "end", title: "Renewed", prompt: { text: "Thanks, goodbye." }, outcome: "done" },
    { id: "c", type: "end", title: "orphan" },
  ],
};

test("a node box shows its title and the first line of its prompt (cut); the hover text has all", () => {
  const { label, full } = nodeLabel(doc.nodes[0]);
  assert.equal(label, "开场\n您好，我是客服小王。请…");
  assert.ok(full.endsWith("第二行"));
  assert.equal(nodeLabel({ id: "x", prompt: { text: "一二三四五六七八九十一二三四五六七八九十" } }).label, "x\n一二三四五六七八九十一…");
  assert.equal(nodeLabel({ id: "y" }).label, "y");
});

test("search finds nodes by title, prompt and keywords, case-insensitive", () => {
  assert.deepEqual(searchNodes(doc, "renewed"), ["b"]);
  assert.deepEqual(searchNodes(doc, "张先生"), ["a"]);
  assert.deepEqual(searchNodes(doc, "续费"), ["a", "b"]); // the node that listens for it, and where it leads
  assert.deepEqual(searchNodes(doc, "  "), []);
});

test("the tree: start first, loops counted, unreachable nodes are extra roots", () => {
  const t = buildTree(doc);
  assert.deepEqual(t.roots, ["a", "c"]);
  assert.equal(t.parent.get("b"), "a");
  assert.equal(t.loops.get("a"), 1);
  const pos = layout(t, []);
  assert.ok(pos.get("b")[0] > pos.get("a")[0]);
  assert.equal(whenLabel({ dtmf: "1" }), "☎1");
});
