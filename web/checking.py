"""What the editor's check panel shows: validation findings and the QA report of a draft, as JSON.

Schema findings carry only a JSON path; the node they concern is recovered from the path so a
click in the panel still lands on the right node.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from designer.validate import validate_with_script

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


def _qa_report(doc: Any) -> dict[str, Any] | None:
    """The QA report when the designer's QA module is installed (it is part of ``designer``)."""
    try:
        qa_module = importlib.import_module("designer.qa")
    except ModuleNotFoundError:
        return None
    report = qa_module.qa(doc)
    data: dict[str, Any] = report.to_dict()
    return data


def check_document(doc: Any) -> dict[str, Any]:
    report, script = validate_with_script(doc)
    out = report.to_dict()
    for finding in (*out["errors"], *out["warnings"]):
        if not finding.get("node"):
            node_id, branch_id = node_at_path(doc, finding.get("path", ""))
            finding["node"] = node_id
            finding["branch"] = finding.get("branch") or branch_id
    out["qa"] = _qa_report(doc) if script is not None else None
    return out
