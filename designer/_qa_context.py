"""State of one QA run: the script, its graph and what the checks found."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from designer.graph import RETURN_HUB, ScriptGraph
from designer.messages import code_of, render, suggestion
from designer.model import Branch, Script
from designer.qa_findings import QAFinding

__all__ = ["QAContext", "handler_matches"]


def handler_matches(b: Branch, intent: str, phrases: tuple[str, ...]) -> bool:
    """Does this branch react to ``intent`` (by name, or by keywords / regex containing a typical phrase)?"""
    kind, value = b.when.kind, b.when.value
    if kind == "intent":
        return bool(value == intent)
    if kind == "keywords":
        return any(p in k.casefold() for k in value for p in phrases)  # "不" alone is not an opt-out
    if kind == "regex":
        return any(p in str(value).casefold() for p in phrases)
    return False


@dataclass
class QAContext:
    script: Script
    graph: ScriptGraph
    forbidden_words: tuple[str, ...] = ()
    findings: list[QAFinding] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    lang: str = "en"
    titles: dict[str, str] = field(default_factory=dict)
    #: what a region policy asks the opening to disclose ({"identify_caller": bool, "automated_voice": bool});
    #: passed in as data by the runtime (designer imports nothing of it)
    disclosure: Mapping[str, bool] = field(default_factory=dict)

    def add(self, key: str, severity: str, category: str, node: str | None, branch: str | None = None,
            **params: Any) -> None:
        """Record a finding; ``key`` is the code or ``code.variant`` in ``designer.messages``, whose
        templates ``params`` (plus node and branch) fill."""
        params = {"node": node, "branch": branch, **params}
        self.findings.append(QAFinding(
            code_of(key), severity, node, render(key, params, self.lang, self.titles),
            suggestion(key, params, self.lang, self.titles), category, branch, key, tuple(params.items()),
        ))

    @cached_property
    def reachable(self) -> set[str]:
        return self.graph.reachable()

    def silent_path(self, start: str) -> tuple[set[str], bool]:
        """Nodes reached from ``start`` without listening, and whether a listening node or @return
        can be met on the way (the customer would be asked something again)."""
        s = self.script
        seen: set[str] = set()
        stack = [start]
        asks_again = False
        while stack:
            v = stack.pop()
            if v == RETURN_HUB:
                asks_again = True
                continue
            if v in seen or v not in s.by_id:
                continue
            seen.add(v)
            n = s.by_id[v]
            if n.listens:
                asks_again = True
                continue
            stack.extend(t for _b, t in n.targets())
        return seen, asks_again
