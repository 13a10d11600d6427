"""Replay cases: replies -> expected path, tags and intent, checked through the harness.

Every library script ships ``scripts_library/cases/<script>.json``::

    {"script": "x.json", "cases": [{"name": ..., "vars": {...}, "replies": [...],
      "expect": {"last_node": ..., "path_includes": [...], "intent": {"label": ..., "category": ...}}}]}

Unknown ``expect`` keys are reported, not ignored, so a typo cannot make a case pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from designer.model import Script
from huashu.core.errors import UserError
from runtime.dialog.harness import run_script
from runtime.dialog.record import CallRecord

__all__ = ["ReplayCase", "ReplayResult", "EXPECT_KEYS", "load_cases", "check_record", "run_case"]


@dataclass(frozen=True, slots=True)
class ReplayCase:
    name: str
    replies: tuple[str, ...]
    expect: Mapping[str, Any]
    variables: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReplayResult:
    case: ReplayCase
    record: CallRecord
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def load_cases(doc: Mapping[str, Any]) -> list[ReplayCase]:
    cases = doc.get("cases")
    if not isinstance(cases, list):
        raise UserError("replay file: 'cases' must be a list")
    out = []
    for i, c in enumerate(cases):
        if not isinstance(c, Mapping) or not isinstance(c.get("replies"), list) or not isinstance(
                c.get("expect"), Mapping):
            raise UserError(f"replay case {i}: needs 'replies' (list) and 'expect' (object)")
        given = c.get("vars") or c.get("variables") or {}
        if not isinstance(given, Mapping):
            raise UserError(f"replay case {i}: 'vars' must be an object of variable values")
        out.append(ReplayCase(str(c.get("name", f"case {i}")), tuple(map(str, c["replies"])), c["expect"], dict(given)))
    return out


def _seq(v: Any) -> list[Any]:
    return [v] if isinstance(v, str) else list(v)


def _check(key: str, want: Any, r: CallRecord) -> str | None:
    checks: dict[str, tuple[bool, Any]] = {}
    if key == "path":
        checks[key] = (r.path == list(want), r.path)
    elif key == "last_node":
        checks[key] = (r.last_node == want, r.last_node)
    elif key == "path_includes":
        checks[key] = (all(n in r.path for n in _seq(want)), r.path)
    elif key == "path_excludes":
        checks[key] = (not any(n in r.path for n in _seq(want)), r.path)
    elif key == "tags":
        checks[key] = (sorted(r.tags) == sorted(_seq(want)), r.tags)
    elif key == "tags_include":
        checks[key] = (all(t in r.tags for t in _seq(want)), r.tags)
    elif key == "tags_exclude":
        checks[key] = (not any(t in r.tags for t in _seq(want)), r.tags)
    elif key == "ended_by":
        checks[key] = (r.ended_by in _seq(want), r.ended_by)
    elif key == "outcome":
        checks[key] = (r.outcome in ([None] if want is None else _seq(want)), r.outcome)
    elif key == "intent":
        got = r.intent.to_dict()
        checks[key] = (all(got.get(k) == v for k, v in dict(want).items()), got)
    elif key == "score_min":
        checks[key] = (r.score >= want, r.score)
    elif key == "score_max":
        checks[key] = (r.score <= want, r.score)
    elif key == "customer_spoke":
        checks[key] = (r.customer_spoke == bool(want), r.customer_spoke)
    else:
        return f"unknown expectation {key!r} (known: {', '.join(EXPECT_KEYS)})"
    ok, got = checks[key]
    return None if ok else f"{key}: expected {want!r}, got {got!r}"


EXPECT_KEYS: tuple[str, ...] = ("path", "last_node", "path_includes", "path_excludes", "tags", "tags_include",
                                "tags_exclude", "ended_by", "outcome", "intent", "score_min", "score_max",
                                "customer_spoke")


def check_record(expect: Mapping[str, Any], record: CallRecord) -> list[str]:
    return [p for k, v in expect.items() if (p := _check(k, v, record)) is not None]


def run_case(script: Script | Mapping[str, Any], case: ReplayCase) -> ReplayResult:
    record = run_script(script, case.replies, case.variables)
    return ReplayResult(case, record, tuple(check_record(case.expect, record)))
