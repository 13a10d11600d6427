// One-click fixes for the Check tab's findings, where a fix is safe to make without asking: pure
// edits of the document (tested in tests/fixes.test.js). A finding without a fix only jumps to its field.

import { addEventBranch, addHandler, goodbye } from "./safe.js";

function branchOf(doc, node, branch) {
  const items = node ? ((doc.nodes || []).find((n) => n.id === node) || {}).branches : doc.global_handlers;
  return (items || []).find((b) => b.id === branch) || null;
}

const FIXES = {
  missing_silence_branch: (doc, f) => f.node && addEventBranch(doc, f.node, "silence"),
  missing_no_match_branch: (doc, f) => f.node && addEventBranch(doc, f.node, "no_match"),
  no_opt_out_handler: (doc) => addHandler(doc, "opt_out"),
  no_busy_later_handler: (doc) => addHandler(doc, "busy_later"),
  // a retry without a way out: allow it twice, then the polite goodbye
  unbounded_loop: (doc, f) => {
    const b = f.branch && branchOf(doc, f.node, f.branch);
    if (!b) return null;
    if (!b.max_times) b.max_times = 2;
    b.else_goto = goodbye(doc, "polite");
    return b;
  },
};

/** Whether `finding` ({code, node, branch}) has a one-click fix. */
export function hasFix(finding) {
  const fix = FIXES[finding.code];
  if (!fix) return false;
  if (finding.code === "unbounded_loop") return !!finding.branch;
  if (finding.code.startsWith("missing_")) return !!finding.node;
  return true;
}

/** Apply the fix for `finding` to `doc`; true when something changed. */
export function applyFix(doc, finding) {
  if (!hasFix(finding)) return false;
  return !!FIXES[finding.code](doc, finding);
}
