// The cytoscape canvas: draws the mind map, keeps the viewport across redraws and reports
// clicks, drops and double-clicks back to the editor. Knows nothing about saving.

import { buildTree, hiddenSet, layout, nodeLabel } from "./tree.js";

const TYPE_COLORS = { global: "#8a7a4a", say_listen: "#2f6fdf", say: "#5a8f29", condition: "#b07d00", transfer: "#7a3fb0", end: "#9a3030" };

const STYLE = [
  { selector: "node", style: {
      shape: "round-rectangle", width: 190, height: 46, "background-color": "#fff",
      "border-width": 2, "border-color": "data(color)", label: "data(label)", "font-size": 13, "line-height": 1.25,
      "text-valign": "center", "text-halign": "center", "text-wrap": "wrap", "text-max-width": 176, color: "#222" } },
  { selector: "node.match", style: { "underlay-color": "#f5c400", "underlay-opacity": 0.55, "underlay-padding": 6 } },
  { selector: "node.start", style: { "border-width": 4 } },
  { selector: "node.collapsed", style: { "background-color": "#eef2fb", "border-style": "double", "border-width": 5 } },
  { selector: "node:selected", style: { "background-color": "#fff4c2", "overlay-opacity": 0 } },
  { selector: "node.finding-error", style: { "border-color": "#d00", "border-style": "dashed" } },
  { selector: "node.onpath", style: { "background-color": "#dff5df" } },
  { selector: "node.current", style: { "background-color": "#8fd98f" } },
  { selector: "node.drop-target", style: { "background-color": "#ffe0b3" } },
  // Edge labels. Tree links: on the last, horizontal stretch into the child (one row per child,
  // so siblings' labels never meet), above the line. Jumps and loops: at the middle of the curve.
  // Long labels are cut to fit (data(short)); hover or select a link for the whole text.
  { selector: "edge", style: {
      width: 1.5, "line-color": "#98a2b3", "target-arrow-color": "#98a2b3", "target-arrow-shape": "triangle",
      "curve-style": "taxi", "taxi-direction": "rightward", "taxi-turn": 16, "taxi-turn-min-distance": 4,
      label: "", "target-label": "data(short)", "target-text-offset": 62, "target-text-margin-y": -8,
      "font-size": 10, color: "#444", "text-rotation": "none",
      "text-background-color": "#fff", "text-background-opacity": 0.92, "text-background-padding": 2,
      "text-background-shape": "roundrectangle" } },
  { selector: "node.global", style: { shape: "tag", "background-color": "#f3f0e8", "border-style": "dotted" } },
  { selector: "edge.jump", style: { "curve-style": "unbundled-bezier", "line-style": "dashed", "line-color": "#d08a2a", "target-arrow-color": "#d08a2a", "control-point-distances": 60, "control-point-weights": 0.5,
      "target-label": "", label: "data(short)", color: "#8a5a12", "text-border-width": 1, "text-border-color": "#f0d2a8", "text-border-opacity": 1 } },
  // a branch back into its own node ("ask again"): a loop above the node, over what is above it
  { selector: "edge.loop", style: { "curve-style": "bezier", "loop-direction": "0deg", "loop-sweep": "-70deg", "control-point-step-size": 44,
      "z-index-compare": "manual", "z-index": 2, "target-label": "", label: "data(short)", "text-margin-y": -2 } },
  { selector: "edge.onpath", style: { "line-color": "#2e9b2e", "target-arrow-color": "#2e9b2e", width: 3 } },
  { selector: "edge.tree.hover, edge.tree:selected", style: { "target-label": "data(label)", "font-size": 11, "text-background-opacity": 1, "z-index-compare": "manual", "z-index": 9 } },
  { selector: "edge.jump.hover, edge.jump:selected, edge.loop.hover, edge.loop:selected", style: { label: "data(label)", "font-size": 11, "text-background-opacity": 1, "z-index-compare": "manual", "z-index": 9 } },
  { selector: "edge:selected", style: { width: 3, "overlay-opacity": 0 } },
];

/** The label cut to about `px` pixels of 10 px text (CJK characters count double), with "…". */
export function shortLabel(text, px) {
  let w = 0;
  let out = "";
  for (const ch of String(text || "")) {
    w += /[\u2e80-\u9fff\uff00-\uffef]/.test(ch) ? 10 : 5.8;
    if (w > px) return `${out.trimEnd()}…`;
    out += ch;
  }
  return out;
}

const TREE_LABEL_PX = 100;
// 13 px labels at 0.8 are 10.4 px on screen: the smallest the "Fit" button goes
export const READABLE_ZOOM = 0.8;
const JUMP_LABEL_PX = 96;

export class Canvas {
  constructor(container, handlers, T = null) {
    this.handlers = handlers;
    this.T = T;
    this.tree = null;
    this.grabbedAt = null;
    this.container = container;
    this.cy = window.cytoscape({
      container, style: STYLE, elements: [], minZoom: 0.05, maxZoom: 3,
      boxSelectionEnabled: false, selectionType: "single", textureOnViewport: true, hideEdgesOnViewport: false,
    });
    // the side panel and banners change the canvas size; cytoscape caches it, so tell it
    new ResizeObserver(() => this.cy.resize()).observe(container);
    // our own double-click: cytoscape's dbltap also fires for two taps on *different* targets
    let lastTap = null;
    this.cy.on("tap", "node", (e) => {
      const id = e.target.id();
      const now = performance.now();
      if (lastTap && lastTap.id === id && now - lastTap.t < 350) { lastTap = null; handlers.onToggleCollapse(id); return; }
      lastTap = { id, t: now };
      handlers.onSelect(id);
    });
    this.cy.on("tap", (e) => { if (e.target === this.cy) { lastTap = null; handlers.onSelect(null); } });
    // the whole label of a link (cut on the canvas) while the pointer is on it
    this.cy.on("mouseover", "edge", (e) => e.target.addClass("hover"));
    this.cy.on("mouseout", "edge", (e) => e.target.removeClass("hover"));
    this.cy.on("drag", "node", (e) => this._markDropTarget(e.target));
    this.cy.on("grab", "node", (e) => { this.grabbedAt = [e.target.position("x"), e.target.position("y")]; });
    // the whole title and prompt while the pointer is on a node (the canvas shows the first line)
    this.cy.on("mouseover", "node", (e) => { container.title = e.target.data("full") || ""; });
    this.cy.on("mouseout", "node", () => { container.title = ""; });
    this.cy.on("dragfree", "node", (e) => {
      const target = this._nodeUnder(e.target);
      this.cy.nodes(".drop-target").removeClass("drop-target");
      handlers.onDrop(e.target.id(), target ? target.id() : null, [e.target.position("x"), e.target.position("y")]);
    });
  }

  _nodeUnder(dragged) {
    const p = dragged.position();
    const hit = this.cy.nodes().filter((n) => {
      if (n === dragged || !n.visible()) return false;
      const b = n.boundingBox();
      return p.x >= b.x1 && p.x <= b.x2 && p.y >= b.y1 && p.y <= b.y2;
    });
    return hit.length ? hit[0] : null;
  }

  _markDropTarget(dragged) {
    const t = this._nodeUnder(dragged);
    this.cy.nodes(".drop-target").removeClass("drop-target");
    if (t) t.addClass("drop-target");
  }

  /** Redraw from the document: only what changed is touched, so a 500-node script stays fast. */
  render(doc, { findings = new Set(), path = [], current = null, collapsed = (doc.layout && doc.layout.collapsed) || [] } = {}) {
    const tree = (this.tree = buildTree(doc, this.T || undefined));
    const hidden = hiddenSet(tree, collapsed);
    const auto = layout(tree, collapsed);
    const manual = (doc.layout && doc.layout.positions) || {};
    const onPath = new Set(path);
    const pathEdges = new Set();
    for (let i = 0; i + 1 < path.length; i++) pathEdges.add(`${path[i]}>${path[i + 1]}`);
    const cy = this.cy;
    const want = new Map();
    for (const [id, n] of tree.byId) {
      if (hidden.has(id)) continue;
      const kids = tree.children.get(id).length;
      const isCollapsed = collapsed.includes(id) && kids > 0;
      const { label: text, full } = nodeLabel(n);
      const label = text + (isCollapsed ? `  (+${kids})` : "");
      const p = manual[id] || auto.get(id);
      const cls = [n.type, id === doc.start ? "start" : "", isCollapsed ? "collapsed" : "", findings.has(id) ? "finding-error" : "",
        onPath.has(id) ? "onpath" : "", id === current ? "current" : ""].filter(Boolean).join(" ");
      want.set(`n:${id}`, { group: "nodes", data: { id, label, full, color: TYPE_COLORS[n.type] || "#444", type: n.type }, position: { x: p[0], y: p[1] }, classes: cls });
    }
    const seenEdge = new Set();
    for (const l of tree.links) {
      if (!want.has(`n:${l.source}`) || !want.has(`n:${l.target}`)) continue;
      const eid = `e:${l.id}`;
      if (seenEdge.has(eid)) continue;
      seenEdge.add(eid);
      const jump = !tree.treeLinkIds.has(l.id);
      const cls = [jump ? "jump" : "tree", l.source === l.target ? "loop" : "", pathEdges.has(`${l.source}>${l.target}`) ? "onpath" : ""].filter(Boolean).join(" ");
      const label = l.label || "";
      const short = shortLabel(label, jump ? JUMP_LABEL_PX : TREE_LABEL_PX);
      want.set(eid, { group: "edges", data: { id: eid, source: l.source, target: l.target, label, short, link: l.id }, classes: cls });
    }
    cy.batch(() => {
      cy.elements().forEach((el) => {
        const key = el.isNode() ? `n:${el.id()}` : el.id();
        const w = want.get(key);
        if (!w || (el.isEdge() && (el.data("source") !== w.data.source || el.data("target") !== w.data.target))) el.remove();
      });
      const add = [];
      for (const [key, w] of want) {
        const id = w.group === "nodes" ? w.data.id : key;
        const el = cy.getElementById(id);
        if (el.empty()) { add.push(w); continue; }
        // touch only what changed: every write makes cytoscape restyle the element
        const d = el.data();
        if (d.label !== w.data.label || d.color !== w.data.color || d.short !== w.data.short || d.full !== w.data.full) el.data(w.data);
        const keep = ["hover", "match"].filter((c) => el.hasClass(c)).map((c) => ` ${c}`).join("");
        if (el.classes().filter((c) => c !== "hover" && c !== "match").join(" ") !== w.classes) el.classes(w.classes + keep);
        if (w.position && !el.grabbed()) {
          const p = el.position();
          if (p.x !== w.position.x || p.y !== w.position.y) el.position(w.position);
        }
      }
      if (add.length) cy.add(add);
    });
    return tree;
  }

  select(id, { center = false } = {}) {
    this.cy.nodes(":selected").unselect();
    if (!id) return;
    const el = this.cy.getElementById(id);
    if (el.empty()) return;
    el.select();
    if (center && !this._inView(el)) this.cy.animate({ center: { eles: el }, zoom: Math.max(this.cy.zoom(), 0.8) }, { duration: 200 });
  }

  /** Only scroll when the node is (partly) off screen: a jumping canvas loses the user's place. */
  _inView(el) {
    const b = el.renderedBoundingBox();
    return b.x1 >= 0 && b.y1 >= 0 && b.x2 <= this.cy.width() && b.y2 <= this.cy.height();
  }

  /** Whole map in view, but never smaller than labels can be read: a big map is shown from its start
   * (left, vertically centred on it) at a readable zoom, and the minimap shows the rest. */
  fit(startId = null) {
    this.cy.stop(true, false);
    this.cy.fit(undefined, 30);
    if (this.cy.zoom() > 1.2) { this.cy.zoom(1.2); this.cy.center(); }
    if (this.cy.zoom() >= READABLE_ZOOM) return;
    const bb = this.cy.elements(":visible").boundingBox();
    const start = startId ? this.cy.getElementById(startId) : null;
    const y = start && !start.empty() ? start.position("y") : (bb.y1 + bb.y2) / 2;
    this.cy.zoom(READABLE_ZOOM);
    this.cy.pan({ x: 30 - bb.x1 * READABLE_ZOOM, y: this.cy.height() / 2 - y * READABLE_ZOOM });
  }

  /** Mark the nodes in `ids` as search hits (the first is selected and centred by the editor). */
  mark(ids) {
    this.cy.batch(() => {
      this.cy.nodes(".match").removeClass("match");
      for (const id of ids) this.cy.getElementById(id).addClass("match");
    });
  }

  /** The minimap (cytoscape-navigator, served from web/node_modules like cytoscape) in `el`. */
  minimap(el) {
    if (!el || typeof this.cy.navigator !== "function") return null;
    this.nav = this.cy.navigator({ container: `#${el.id}`, viewLiveFramerate: 0, thumbnailEventFramerate: 10, removeCustomContainer: false, rerenderDelay: 150 });
    return this.nav;
  }
}
