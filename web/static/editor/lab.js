// The script test lab in the editor: the robustness attack under the Check tab (with a one-click
// "add this phrase"), and "save as regression case" under test talk.
//
// Built only with createElement/textContent: every string here (phrases, replies, branch ids,
// node titles) comes from the script or from customers' words and is never parsed as HTML.

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

const pct = (x) => (x === null || x === undefined ? "—" : `${Math.round(x * 100)}%`);

/** Put ``phrase`` where the suggestion says: the branch's keywords, or its intent's synonyms. */
export function applyPhrase(doc, s) {
  if (s.target === "keywords") {
    const node = (doc.nodes || []).find((n) => n.id === s.node);
    const branch = node && (node.branches || []).find((b) => b.id === s.branch);
    if (!branch || !branch.when || !Array.isArray(branch.when.keywords)) return false;
    if (!branch.when.keywords.includes(s.phrase)) branch.when.keywords.push(s.phrase);
    return true;
  }
  if (s.target === "intent" && s.intent) {
    doc.intents = doc.intents || {};
    const intent = doc.intents[s.intent] || (doc.intents[s.intent] = {});
    intent.synonyms = intent.synonyms || [];
    if (!intent.synonyms.includes(s.phrase)) intent.synonyms.push(s.phrase);
    return true;
  }
  return false;
}

export class LabPanel {
  constructor(editor, T, csrf) {
    this.editor = editor; this.T = T; this.csrf = csrf;
    this.root = el("div", { id: "lab-panel", class: "lab-panel" });
    const check = document.getElementById("check-panel");
    if (check) check.after(this.root);
    document.addEventListener("hs:checked", (ev) => this.render(ev.detail && ev.detail.attack));
    if (editor.check && editor.check.last) this.render(editor.check.last.attack); // checked before we loaded
    this.attachTalk();
  }

  render(attack) {
    const T = this.T;
    this.root.replaceChildren();
    if (!attack) return;
    this.root.append(el("h3", {}, T("ed.lab.title")));
    this.root.append(el("p", { id: "lab-summary", class: "muted" }, T("ed.lab.summary", {
      variants: attack.variants, recall: Math.round((attack.recall || 0) * 100), capture: Math.round((attack.false_capture || 0) * 100),
    })));
    for (const node of attack.nodes || []) this.root.append(this.nodeBlock(node));
  }

  nodeBlock(node) {
    const T = this.T;
    const box = el("div", { class: "lab-node", dataset: { node: node.node } });
    box.append(el("h4", {}, node.title ? `${node.title} (${node.node})` : node.node));
    const table = el("table", { class: "sub lab-branches" });
    table.append(el("tr", {}, el("th", {}, T("ed.lab.branch")), el("th", {}, T("ed.lab.recall")), el("th", {}, T("ed.lab.false_capture"))));
    for (const b of node.branches || []) {
      const weak = (b.recall ?? 1) < 0.85 || (b.false_capture ?? 0) >= 0.1;
      table.append(el("tr", { class: weak ? "bad" : "", dataset: { branch: b.branch } },
        el("td", {}, b.branch), el("td", {}, pct(b.recall)), el("td", {}, pct(b.false_capture))));
    }
    box.append(table);
    const list = el("ul", { class: "findings lab-suggestions" });
    for (const s of node.suggestions || []) {
      const li = el("li", { class: "finding info", dataset: { kind: s.kind, branch: s.branch } }, s.text || s.text_en);
      if (s.kind === "add_phrase" && !this.editor.readOnly) {
        const btn = el("button", { type: "button", class: "small lab-add", dataset: { phrase: s.phrase } }, T("ed.lab.add"));
        btn.addEventListener("click", (ev) => { ev.stopPropagation(); this.add(s, btn); });
        li.append(" ", btn);
      }
      list.append(li);
    }
    if ((node.worst || []).length) {
      box.append(el("div", { class: "muted" }, T("ed.lab.worst")));
      const worst = el("ul", { class: "lab-worst" });
      for (const o of node.worst) worst.append(el("li", {}, `${o.text} → ${o.taken}${o.against ? ` (≠ ${o.against})` : ` (${o.intended || "no_match"})`}`));
      box.append(worst);
    }
    box.append(list);
    return box;
  }

  add(s, btn) {
    const ed = this.editor;
    if (!ed.doc || !applyPhrase(ed.doc, s)) return;
    btn.disabled = true;
    btn.textContent = this.T("ed.lab.added", { phrase: s.phrase });
    ed.changed({ structure: true });
  }

  attachTalk() {
    const talkPanel = document.getElementById("talk-panel");
    if (!talkPanel || this.editor.readOnly) return;
    const btn = el("button", { type: "button", id: "lab-save-case", class: "small" }, this.T("ed.lab.save_case"));
    const note = el("span", { id: "lab-case-note", class: "muted" });
    talkPanel.append(el("div", { class: "row" }, btn, " ", note));
    btn.addEventListener("click", () => this.saveCase(note));
  }

  async saveCase(note) {
    const ed = this.editor;
    const talk = ed.talk;
    if (!talk || !talk.replies.length) return;
    const name = window.prompt(this.T("ed.lab.case_name"), `case ${((ed.doc.cases || []).length) + 1}`);
    if (!name) return;
    const r = await fetch("/lab/case", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "x-csrftoken": this.csrf },
      body: JSON.stringify({ doc: ed.doc, name, replies: talk.replies, variables: talk.vars || {} }),
    });
    const data = await r.json().catch(() => ({ detail: r.statusText }));
    if (!r.ok) { note.textContent = data.detail || data.error || String(r.status); return; }
    ed.doc.cases = (ed.doc.cases || []).filter((c) => c.name !== data.case.name).concat([data.case]);
    note.textContent = `${this.T("ed.lab.case_saved", { name: data.case.name })} · ${this.T("ed.lab.cases", { n: ed.doc.cases.length })}`;
    ed.changed({ structure: false });
  }
}
