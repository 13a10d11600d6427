// The mind-map view of a script graph: which link is the tree edge (first discovery in
// breadth-first order from the start node) and which are jumps, and a tidy left-to-right
// layout. Pure functions of the document: no DOM, no canvas.

// Node width 170: a column leaves 120 px between nodes, room for a branch label on the last
// (horizontal) stretch of the link into each child, one label per row.
export const COL_W = 300;
export const ROW_H = 62;
// extra room above a node with self-loops ("ask again" branches), per loop, so the loop drawn
// above it does not run into the node above
export const LOOP_ROOM = 22;

const BUILTIN_INTENTS = new Set(["affirm", "deny", "opt_out", "complaint", "who_are_you", "busy_later", "ask_price", "repeat", "already_done"]);
// without a translator (tests, benchmarks): the codes themselves
const PLAIN = { "ed.edge.else": "else", "ed.edge.default": "default", "ed.global_node": "global" };
const plain = (k) => PLAIN[k] || k.replace(/^ed\.(edge|intent_name)\./, "");

/** What a node box shows: its title and the first line of its prompt (cut), and the whole of both
 * for the hover text. */
export function nodeLabel(n, max = 12) {
  const title = n.title || n.id;
  const prompt = String((n.prompt && n.prompt.text) || "").trim();
  const first = prompt.split("\n")[0].trim();
  const line = [...first].length > max ? `${[...first].slice(0, max - 1).join("")}…` : first;
  return { label: line ? `${title}\n${line}` : title, full: prompt ? `${title}\n${prompt}` : title };
}

/** Nodes whose title, prompt, id or keywords (its own branches', or the branch into it) hold `query`, in
 * document order; case-insensitive. */
export function searchNodes(doc, query) {
  const q = String(query || "").trim().toLowerCase();
  if (!q) return [];
  const words = new Map();
  const add = (id, list) => { if (id) words.set(id, [...(words.get(id) || []), ...list]); };
  for (const n of doc.nodes || []) for (const b of n.branches || []) {
    const kw = (b.when && b.when.keywords) || [];
    add(n.id, kw);
    add(b.goto, [...kw, b.label || ""]);
  }
  return (doc.nodes || []).filter((n) => [n.id, n.title, n.prompt && n.prompt.text, ...(words.get(n.id) || [])]
    .some((x) => x && String(x).toLowerCase().includes(q))).map((n) => n.id);
}

/** Every way out of a node, in the order the runtime tries them; `T` names the conditions in the UI language. */
export function links(node, T = plain) {
  const out = [];
  for (const b of node.branches || []) {
    out.push({ id: `${node.id}|${b.id}|goto`, source: node.id, target: b.goto, branch: b.id, kind: "goto", label: b.label || whenLabel(b.when, T) });
    if (b.else_goto) out.push({ id: `${node.id}|${b.id}|else`, source: node.id, target: b.else_goto, branch: b.id, kind: "else", label: T("ed.edge.else") });
  }
  if (node.next) out.push({ id: `${node.id}|_next|goto`, source: node.id, target: node.next, branch: null, kind: "next", label: "" });
  if (node.default) out.push({ id: `${node.id}|_default|goto`, source: node.id, target: node.default, branch: null, kind: "default", label: T("ed.edge.default") });
  return out;
}

/** A branch's condition in a few words: built-in intents and events translated, keywords joined. */
export function whenLabel(when, T = plain) {
  if (!when) return "?";
  const [k, v] = Object.entries(when)[0] || ["?", ""];
  if (k === "keywords") return (v || []).join("/");
  if (k === "event") return `⟨${T(`ed.edge.${v}`)}⟩`;
  if (k === "intent" && BUILTIN_INTENTS.has(v)) return T(`ed.intent_name.${v}`);
  if (k === "dtmf") return `☎${v}`;
  if (k === "regex") return `/${v}/`;
  return String(v);
}

/** Parent/children of the mind map, tree edges and jump edges. Unreachable nodes become extra roots. */
export const GLOBAL_ID = "⚑global";

export function buildTree(doc, T = plain) {
  const byId = new Map();
  for (const n of doc.nodes || []) if (!byId.has(n.id)) byId.set(n.id, n);
  // global handlers hang under one pseudo node, so their targets are not shown as orphans
  const handlers = doc.global_handlers || [];
  if (handlers.length && !byId.has(GLOBAL_ID)) byId.set(GLOBAL_ID, { id: GLOBAL_ID, type: "global", title: `⚑ ${T("ed.global_node")}`, branches: handlers, pseudo: true });
  const parent = new Map();
  const children = new Map([...byId.keys()].map((id) => [id, []]));
  const treeEdge = new Map(); // child id -> link id
  const allLinks = [];
  for (const n of byId.values()) allLinks.push(...links(n, T));
  const out = new Map([...byId.keys()].map((id) => [id, []]));
  for (const l of allLinks) if (out.has(l.source)) out.get(l.source).push(l);
  const visited = new Set();
  const roots = [];
  const first = [doc.start, GLOBAL_ID].filter((i) => byId.has(i));
  const order = [...first, ...[...byId.keys()].filter((i) => !first.includes(i))];
  for (const rootId of order) {
    if (visited.has(rootId)) continue;
    roots.push(rootId);
    visited.add(rootId);
    const queue = [rootId];
    for (let qi = 0; qi < queue.length; qi++) {
      const id = queue[qi];
      for (const l of out.get(id)) {
        if (!byId.has(l.target) || visited.has(l.target)) continue;
        visited.add(l.target);
        parent.set(l.target, id);
        children.get(id).push(l.target);
        treeEdge.set(l.target, l.id);
        queue.push(l.target);
      }
    }
  }
  const treeLinkIds = new Set(treeEdge.values());
  const loops = new Map(); // node id -> how many links go back into it
  for (const l of allLinks) if (l.source === l.target && byId.has(l.source)) loops.set(l.source, (loops.get(l.source) || 0) + 1);
  return { byId, parent, children, roots, links: allLinks, treeLinkIds, treeEdge, loops };
}

export function descendants(tree, id) {
  const out = [];
  const stack = [...(tree.children.get(id) || [])];
  while (stack.length) {
    const c = stack.pop();
    out.push(c);
    stack.push(...(tree.children.get(c) || []));
  }
  return out;
}

/** Hidden = below a collapsed node. */
export function hiddenSet(tree, collapsed) {
  const hidden = new Set();
  for (const id of collapsed) if (tree.byId.has(id)) for (const d of descendants(tree, id)) hidden.add(d);
  return hidden;
}

/** Tidy tree, depth to the right, leaves stacked downwards; a parent sits level with the middle of its children. */
export function layout(tree, collapsed) {
  const pos = new Map();
  const collapsedSet = new Set(collapsed);
  let nextY = 0;
  for (const root of tree.roots) {
    // iterative post-order so a 500-deep chain cannot overflow the stack
    const stack = [[root, 0, false]];
    while (stack.length) {
      const [id, depth, done] = stack.pop();
      if (!done && tree.loops && tree.loops.has(id)) nextY += LOOP_ROOM * tree.loops.get(id);
      const kids = collapsedSet.has(id) ? [] : tree.children.get(id) || [];
      if (!done && kids.length) {
        stack.push([id, depth, true]);
        for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i], depth + 1, false]);
        continue;
      }
      let y;
      if (kids.length) y = (pos.get(kids[0])[1] + pos.get(kids[kids.length - 1])[1]) / 2;
      else { y = nextY; nextY += ROW_H; }
      pos.set(id, [depth * COL_W, y]);
    }
    nextY += ROW_H; // gap between separate trees
  }
  return pos;
}
