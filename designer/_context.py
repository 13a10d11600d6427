"""Shared state of one validation run: the script, its graph, JSON paths, and the finding lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from designer.findings import Finding
from designer.graph import ScriptGraph
from designer.messages import code_of, render
from designer.model import Script

__all__ = ["CheckContext", "node_titles"]


@dataclass(slots=True)
class CheckContext:
    script: Script
    graph: ScriptGraph
    doc: dict[str, Any]
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    node_index: dict[str, int] = field(default_factory=dict)

    branch_index: dict[tuple[str, str], int] = field(default_factory=dict)
    lang: str = "en"
    titles: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.lang != "en":
            self.titles = node_titles(self.script)
        for i, n in enumerate(self.doc.get("nodes", [])):
            if n["id"] in self.node_index:
                continue
            self.node_index[n["id"]] = i
            for j, b in enumerate(n.get("branches", [])):
                self.branch_index.setdefault((n["id"], b["id"]), j)

    def node_path(self, node_id: str, branch_id: str | None = None, leaf: str | None = None) -> str:
        if node_id.startswith("@"):
            return self.handler_path(branch_id, leaf)
        i = self.node_index.get(node_id)
        path = f"$.nodes[{i}]" if i is not None else "$"
        if branch_id is not None and i is not None:
            j = self.branch_index.get((node_id, branch_id))
            if j is not None:
                path += f".branches[{j}]"
        if leaf:
            path += f".{leaf}"
        return path

    def handler_path(self, handler_id: str | None, leaf: str | None = None) -> str:
        handlers = self.doc.get("global_handlers", [])
        j = next((k for k, b in enumerate(handlers) if b["id"] == handler_id), None)
        path = f"$.global_handlers[{j}]" if j is not None else "$.global_handlers"
        return path + (f".{leaf}" if leaf else "")

    def _finding(self, key: str, node: str | None, branch: str | None, path: str, params: dict[str, Any]) -> Finding:
        params = {"node": node, "branch": branch, **params}
        message = render(key, params, self.lang, self.titles)
        return Finding(code_of(key), node, branch, path, message, key, tuple(params.items()))

    def error(self, key: str, node: str | None, branch: str | None, path: str, **params: Any) -> None:
        """Record an error; ``key`` is the code or ``code.variant`` in ``designer.messages``."""
        self.errors.append(self._finding(key, node, branch, path, params))

    def warn(self, key: str, node: str | None, branch: str | None, path: str, **params: Any) -> None:
        self.warnings.append(self._finding(key, node, branch, path, params))


def node_titles(script: Script) -> dict[str, str]:
    """Node id -> title, for messages that name nodes the way the editor shows them."""
    return {n.id: n.title for n in script.nodes if n.title}
