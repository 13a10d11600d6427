// Draft persistence: autosave to the server with the optimistic revision, and a copy in
// localStorage so nothing typed is lost when the session expires or the network drops.

export class DraftStore {
  constructor(scriptKey, csrf, onStatus) {
    this.key = `huashu:draft:${scriptKey}`;
    this.url = `/scripts/${encodeURIComponent(scriptKey)}/draft`;
    this.csrf = csrf;
    this.onStatus = onStatus;
    this.revision = null;
    this.timer = null;
    this.saving = false;
    this.pending = null;
    this.blocked = null; // "stale" | "auth" while the user must decide / sign in
  }

  async load() {
    const r = await fetch(this.url, { headers: { Accept: "application/json" } });
    if (r.status === 401) { this.blocked = "auth"; throw new Error("auth"); }
    if (!r.ok) throw new Error((await r.json()).error || r.statusText);
    const body = await r.json();
    this.revision = body.revision;
    this.number = body.number;
    return body;
  }

  local() {
    try { return JSON.parse(localStorage.getItem(this.key) || "null"); } catch { return null; }
  }

  keepLocal(doc, dirty) {
    try {
      localStorage.setItem(this.key, JSON.stringify({ doc, baseRevision: this.revision, dirty, at: Date.now() }));
    } catch { /* storage full: the server copy is still there */ }
  }

  schedule(doc, delay = 1200) {
    this.pending = doc;
    this.keepLocal(doc, true);
    if (this.blocked) return;
    clearTimeout(this.timer);
    this.onStatus("dirty");
    this.timer = setTimeout(() => this.flush(), delay);
  }

  async flush(force = false) {
    clearTimeout(this.timer);
    if (!this.pending || this.saving || (this.blocked && !force)) return;
    const doc = this.pending;
    this.saving = true;
    this.onStatus("saving");
    try {
      const r = await fetch(this.url, {
        method: "PUT",
        headers: { "Content-Type": "application/json", Accept: "application/json", "x-csrftoken": this.csrf },
        body: JSON.stringify({ doc, revision: this.revision, number: this.number, force }),
      });
      const body = await r.json().catch(() => ({}));
      if (r.ok) {
        this.revision = body.revision;
        this.blocked = null;
        if (this.pending === doc) { this.pending = null; this.keepLocal(doc, false); this.onStatus("saved", body); }
        else this.timer = setTimeout(() => this.flush(), 300);
      } else if (r.status === 409) {
        this.blocked = "stale";
        this.onStatus("stale", body);
      } else if (r.status === 401 || r.status === 403 && /csrf/i.test(body.error || "")) {
        this.blocked = "auth";
        this.onStatus("auth", body);
      } else {
        this.onStatus("error", body);
      }
    } catch (e) {
      this.onStatus("offline", { error: String(e) });
      this.timer = setTimeout(() => this.flush(), 5000);
    } finally {
      this.saving = false;
    }
  }
}
