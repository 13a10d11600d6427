"""What the editor's check panel shows: validation findings and the QA report of a draft, as JSON.

Schema findings carry only a JSON path; the node they concern is recovered from the path so a
click in the panel still lands on the right node.
"""

from __future__ import annotations

import re
from typing import Any

from designer.qa import qa
from designer.validate import validate_with_script
from runtime.lab.attack import AttackReport, attack, robustness_of
from runtime.lab.view import attack_view
from runtime.nlu.matcher import ScriptCompileError

__all__ = ["check_document", "node_at_path"]

_NODE_PATH = re.compile(r"^\$\.nodes\[(\d+)\](?:\.branches\[(\d+)\])?")


def node_at_path(doc: Any, path: str) -> tuple[str | None, str | None]:
    """(node id, branch id) that a ``$.nodes[i].branches[j]...`` path points into, if any."""
    m = _NODE_PATH.match(path or "")
    if not m or not isinstance(doc, dict) or not isinstance(doc.get("nodes"), list):
        return None, None
    i = int(m.group(1))
    nodes = doc["nodes"]
    if i >= len(nodes) or not isinstance(nodes[i], dict):
        return None, None
    node = nodes[i]
    node_id = node.get("id") if isinstance(node.get("id"), str) else None
    branch_id = None
    if m.group(2) is not None:
        branches = node.get("branches")
        j = int(m.group(2))
        if isinstance(branches, list) and j < len(branches) and isinstance(branches[j], dict):
            b = branches[j].get("id")
            branch_id = b if isinstance(b, str) else None
    return node_id, branch_id


def check_document(doc: Any, lang: str = "en") -> dict[str, Any]:
    """Validation findings plus the QA report (when the script is valid enough to score), with
    messages and suggestions in ``lang`` (``zh``/``en``); codes, paths and score do not change."""
    report, script = validate_with_script(doc, lang=lang)
    out = report.to_dict()
    for finding in (*out["errors"], *out["warnings"]):
        if not finding.get("node"):
            node_id, branch_id = node_at_path(doc, finding.get("path", ""))
            finding["node"] = node_id
            finding["branch"] = finding.get("branch") or branch_id
    out["qa"] = None
    if script is not None:
        attacked = _attack(doc)
        robustness = robustness_of(attacked) if attacked is not None else None
        out["qa"] = qa(doc, lang=lang, robustness=robustness).to_dict()
        out["attack"] = attack_view(attacked, lang) if attacked is not None else None
    return out


def _attack(doc: Any) -> AttackReport | None:
    """The robustness attack of a valid draft; None when a branch does not compile (validation says why)."""
    try:
        return attack(doc)
    except ScriptCompileError:
        return None
