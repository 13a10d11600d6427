"""What changed between two versions of a script, node by node, for reviewers.

The editor layout is ignored: moving a box on the canvas is not a change a reviewer must read. So
are the regression ``cases`` (the review page shows what they do instead).
Nodes, global handlers and intent rules are matched by id (label for rules), so reordering
them is not reported as a change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Change", "ScriptDiff", "diff_scripts", "readable"]

_IGNORED_TOP = frozenset({"layout", "cases", "nodes", "settings", "global_handlers", "intents", "intent_rules", "variables"})


@dataclass(frozen=True, slots=True)
class Change:
    """One item (node, handler, intent, rule, setting...) that was added, removed or changed."""

    section: str  # top | settings | variables | nodes | global_handlers | intents | intent_rules
    key: str
    kind: str  # added | removed | changed
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field -> (old, new), for "changed"

    @property
    def readable_fields(self) -> list[tuple[str, str, str]]:
        """(field, old, new) as a reader sees them: Chinese as characters, not ``\\u5f20`` escapes."""
        return [(name, readable(old), readable(new)) for name, (old, new) in self.fields.items()]

    def to_dict(self) -> dict[str, Any]:
        return {"section": self.section, "key": self.key, "kind": self.kind,
                "fields": {k: {"old": o, "new": n} for k, (o, n) in self.fields.items()}}


@dataclass(frozen=True, slots=True)
class ScriptDiff:
    changes: list[Change]

    @property
    def empty(self) -> bool:
        return not self.changes

    def section(self, name: str) -> list[Change]:
        return [c for c in self.changes if c.section == name]

    def to_dict(self) -> dict[str, Any]:
        return {"identical": self.empty, "changes": [c.to_dict() for c in self.changes]}

    def to_text(self) -> str:
        if self.empty:
            return "No differences (layout ignored)."
        lines: list[str] = []
        mark = {"added": "+", "removed": "-", "changed": "~"}
        for c in self.changes:
            lines.append(f"{mark[c.kind]} {c.section} {c.key}: {c.kind}")
            for name, (old, new) in c.fields.items():
                lines.append(f"    {name}: {_short(old)} -> {_short(new)}")
        return "\n".join(lines)


def readable(v: Any) -> str:
    """A value for the diff table: text as it is, anything else as indented JSON that keeps characters.
    (The page escapes it at the sink; Jinja's ``tojson`` wrote every Chinese character as ``\\uXXXX``.)"""
    if v is None:
        return "—"
    if isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False, sort_keys=True, indent=1)


def _short(v: Any, limit: int = 80) -> str:
    if v is None:
        return "(none)"
    s = json.dumps(v, ensure_ascii=False, sort_keys=True)
    return s if len(s) <= limit else s[: limit - 1] + "\u2026"


def _by_key(items: Any, key: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(items, list):
        for i, item in enumerate(items):
            k = str(item.get(key, f"#{i}")) if isinstance(item, dict) else f"#{i}"
            while k in out:  # duplicates keep both, numbered
                k += "'"
            out[k] = item
    elif isinstance(items, dict):
        out = {str(k): v for k, v in items.items()}
    return out


def _field_changes(old: Any, new: Any) -> dict[str, tuple[Any, Any]]:
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return {"value": (old, new)} if old != new else {}
    out: dict[str, tuple[Any, Any]] = {}
    for k in list(old) + [k for k in new if k not in old]:
        if old.get(k) != new.get(k):
            out[k] = (old.get(k), new.get(k))
    return out


def _branch_changes(old: Any, new: Any) -> dict[str, tuple[Any, Any]]:
    """Branches of a node compared by id, so one changed goto shows as ``branches.<id>.goto``."""
    a, b = _by_key(old or [], "id"), _by_key(new or [], "id")
    out: dict[str, tuple[Any, Any]] = {}
    for k in list(a) + [k for k in b if k not in a]:
        if k not in b:
            out[f"branches.{k}"] = (a[k], None)
        elif k not in a:
            out[f"branches.{k}"] = (None, b[k])
        else:
            for f, pair in _field_changes(a[k], b[k]).items():
                out[f"branches.{k}.{f}"] = pair
    if list(a) != list(b) and set(a) == set(b):
        out["branches.order"] = (list(a), list(b))
    return out


def _diff_section(section: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes = []
    for k in list(old) + [k for k in new if k not in old]:
        if k not in new:
            changes.append(Change(section, k, "removed"))
        elif k not in old:
            changes.append(Change(section, k, "added"))
        elif old[k] != new[k]:
            if section == "nodes" and isinstance(old[k], dict) and isinstance(new[k], dict):
                fields = _field_changes({f: v for f, v in old[k].items() if f != "branches"},
                                        {f: v for f, v in new[k].items() if f != "branches"})
                fields.update(_branch_changes(old[k].get("branches"), new[k].get("branches")))
            else:
                fields = _field_changes(old[k], new[k])
            changes.append(Change(section, k, "changed", fields))
    return changes


def diff_scripts(a: dict[str, Any], b: dict[str, Any]) -> ScriptDiff:
    """Differences from ``a`` (old) to ``b`` (new)."""
    changes: list[Change] = []
    top_a = {k: v for k, v in a.items() if k not in _IGNORED_TOP}
    top_b = {k: v for k, v in b.items() if k not in _IGNORED_TOP}
    changes += _diff_section("top", top_a, top_b)
    changes += _diff_section("settings", dict(a.get("settings") or {}), dict(b.get("settings") or {}))
    changes += _diff_section("variables", _by_key(a.get("variables") or {}, ""), _by_key(b.get("variables") or {}, ""))
    changes += _diff_section("nodes", _by_key(a.get("nodes"), "id"), _by_key(b.get("nodes"), "id"))
    changes += _diff_section("global_handlers", _by_key(a.get("global_handlers"), "id"),
                             _by_key(b.get("global_handlers"), "id"))
    changes += _diff_section("intents", _by_key(a.get("intents") or {}, ""), _by_key(b.get("intents") or {}, ""))
    changes += _diff_section("intent_rules", _by_key(a.get("intent_rules"), "label"),
                             _by_key(b.get("intent_rules"), "label"))
    return ScriptDiff(changes)
