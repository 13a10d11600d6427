// Edits of the script document that the canvas and the keyboard make. Each returns an error
// message (string) when the edit is not allowed, else null; the caller snapshots for undo.

import { links } from "./tree.js";
import { freshId, guessIntent, deleteLoss, TYPE_DROPS } from "./safe.js";

export { freshId };

// The schema's identifier (designer/schema, $defs.identifier): ASCII letters, digits, _ . : - and any
// non-ASCII letter; no spaces, no markup characters, no @ or $. The server refuses a save that breaks it.
export const IDENTIFIER = /^(?:[A-Za-z0-9_.:-]|[^\x00-\x7F\s])+$/;

export function nodeById(doc, id) {
  return (doc.nodes || []).find((n) => n.id === id);
}

/** Make `targetId` reachable from `fromId`: a new branch on listening/condition nodes (answering `when`,
 * or the intent the target's title suggests), else `next`. */
export function addLink(doc, fromId, targetId, when = null) {
  const from = nodeById(doc, fromId);
  if (!from) return "no such node";
  if (from.type === "say_listen" || from.type === "condition") {
    from.branches = from.branches || [];
    const target = nodeById(doc, targetId);
    const w = when || (from.type === "condition" ? { expr: "true" } : { intent: guessIntent(from, target && target.title) });
    from.branches.push({ id: freshId(doc, "b"), when: w, goto: targetId });
    return null;
  }
  if (from.type === "end") return "end";
  if (from.next) return "next_taken";
  from.next = targetId;
  return null;
}

/** A new listening node under `parentId`; on a listening parent the branch answers `when` (what the
 * designer chose in the dialog). */
export function addChild(doc, parentId, title, when = null) {
  const parent = nodeById(doc, parentId);
  if (!parent) return { error: "no such node" };
  if (parent.type === "end") return { error: "end" };
  if (parent.type !== "say_listen" && parent.type !== "condition" && parent.next) return { error: "next_taken" };
  const id = freshId(doc, "n");
  const node = { id, type: "say_listen", title: title || id, prompt: { text: "" }, branches: [] };
  doc.nodes.push(node);
  const err = addLink(doc, parentId, id, when);
  if (err) { doc.nodes.pop(); return { error: err }; }
  return { id };
}

/** Remove a node and every link into it. With `withOrphans`, the nodes only it led to go too;
 * otherwise they stay (shown as unreachable until re-linked). */
export function deleteNode(doc, id, { withOrphans = false } = {}) {
  if (id === doc.start) return "start";
  if (!nodeById(doc, id)) return "no such node";
  const gone = new Set([id, ...(withOrphans ? deleteLoss(doc, id).orphans : [])]);
  if (gone.has(doc.start)) return "start";
  doc.nodes = doc.nodes.filter((n) => !gone.has(n.id));
  for (const n of doc.nodes) {
    if (n.branches) n.branches = n.branches.filter((b) => !gone.has(b.goto));
    for (const b of n.branches || []) if (gone.has(b.else_goto)) delete b.else_goto;
    if (gone.has(n.next)) delete n.next;
    if (gone.has(n.default)) delete n.default;
  }
  if (doc.global_handlers) doc.global_handlers = doc.global_handlers.filter((b) => !gone.has(b.goto));
  for (const b of doc.global_handlers || []) if (gone.has(b.else_goto)) delete b.else_goto;
  for (const r of doc.intent_rules || []) {
    for (const k of ["nodes_any", "nodes_all"]) {
      if (!r.when || !r.when[k]) continue;
      r.when[k] = r.when[k].filter((x) => !gone.has(x));
      if (!r.when[k].length) delete r.when[k];
    }
  }
  for (const g of gone) {
    if (doc.layout && doc.layout.positions) delete doc.layout.positions[g];
  }
  if (doc.layout && doc.layout.collapsed) doc.layout.collapsed = doc.layout.collapsed.filter((c) => !gone.has(c));
  return null;
}

/** Move the link that made `childId` a child of `oldParentId` so it hangs under `newParentId`. */
export function reparent(doc, tree, childId, newParentId) {
  if (childId === newParentId) return "self";
  const linkId = tree.treeEdge.get(childId);
  const oldParent = nodeById(doc, tree.parent.get(childId));
  const target = nodeById(doc, newParentId);
  if (!target) return "no such node";
  if (target.type === "end") return "end";
  if (!linkId || !oldParent) {
    return addLink(doc, newParentId, childId);
  }
  const [, branchId, kind] = linkId.split("|");
  if (branchId === "_next" || branchId === "_default") {
    const err = addLink(doc, newParentId, childId);
    if (err) return err;
    if (branchId === "_next") delete oldParent.next; else delete oldParent.default;
    return null;
  }
  const branch = (oldParent.branches || []).find((b) => b.id === branchId);
  if (kind === "else" || !branch) {
    const err = addLink(doc, newParentId, childId);
    if (err) return err;
    if (branch) delete branch.else_goto;
    return null;
  }
  if (target.type === "say_listen" || target.type === "condition") {
    oldParent.branches = oldParent.branches.filter((b) => b !== branch);
    target.branches = target.branches || [];
    target.branches.push(branch); // the condition travels with the link
    return null;
  }
  if (target.next) return "next_taken";
  target.next = childId;
  oldParent.branches = oldParent.branches.filter((b) => b !== branch);
  return null;
}

/** Rename a node and every reference to it (links, start, intent rules, layout). */
export function renameNode(doc, oldId, newId) {
  if (!newId || !IDENTIFIER.test(newId)) return "bad_id";
  if (nodeById(doc, newId)) return "id_taken";
  const node = nodeById(doc, oldId);
  if (!node) return "no such node";
  node.id = newId;
  if (doc.start === oldId) doc.start = newId;
  const fix = (o, k) => { if (o[k] === oldId) o[k] = newId; };
  for (const n of doc.nodes) {
    for (const b of n.branches || []) { fix(b, "goto"); fix(b, "else_goto"); }
    fix(n, "next"); fix(n, "default");
  }
  for (const b of doc.global_handlers || []) { fix(b, "goto"); fix(b, "else_goto"); }
  for (const r of doc.intent_rules || []) {
    for (const k of ["nodes_any", "nodes_all"]) if (r.when && r.when[k]) r.when[k] = r.when[k].map((x) => (x === oldId ? newId : x));
  }
  const pos = doc.layout && doc.layout.positions;
  if (pos && pos[oldId]) { pos[newId] = pos[oldId]; delete pos[oldId]; }
  if (doc.layout && doc.layout.collapsed) doc.layout.collapsed = doc.layout.collapsed.map((c) => (c === oldId ? newId : c));
  return null;
}

/** Type change keeps what the new type allows and drops the rest (undo brings it back). */
export function setType(doc, id, type) {
  const n = nodeById(doc, id);
  if (!n) return "no such node";
  n.type = type;
  const drop = TYPE_DROPS[type] || [];
  for (const k of drop) delete n[k];
  if ((type === "say_listen" || type === "condition") && !n.branches) n.branches = [];
  if (type === "transfer" && !n.queue) n.queue = "default";
  return null;
}

export function outgoing(node) {
  return links(node);
}
