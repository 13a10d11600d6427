"""Regression suites: conversations kept as cases of the script, run on every version.

A case is the replay-case shape the library already uses (``runtime.dialog.replay``):
``{"name", "replies", "vars", "expect": {"path", "intent", ...}}``. Cases live in the script
document's top-level ``cases`` list, beside the graph like ``layout``: they are versioned with
the script, exported with it (``huashu script export``), and ignored by validation, the diff
and the runtime. A conversation from test talk or a replay file becomes a case by running it
once and writing down the path and intent it took (:func:`case_from_replies`).

:func:`run_suite` runs all cases of a document; :func:`compare` runs the new version's cases on
the previous approved version too and names each case that now takes another path, with the
first turn where the two calls part.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from designer.model import Script
from huashu.core.errors import UserError
from runtime.dialog.harness import run_script
from runtime.dialog.record import CallRecord
from runtime.dialog.replay import EXPECT_KEYS, ReplayCase, check_record, load_cases

__all__ = ["CASES_KEY", "MAX_CASES", "MAX_REPLIES", "MAX_NAME", "CaseError", "CaseRun", "SuiteRun", "CaseChange",
           "cases_of", "case_from_replies", "add_case", "merge_replay_file", "run_suite", "compare"]

CASES_KEY = "cases"
MAX_CASES = 200
MAX_REPLIES = 100
MAX_NAME = 120


class CaseError(UserError):
    """A case that cannot be stored or run; the message says which and why."""


@dataclass(frozen=True, slots=True)
class CaseRun:
    name: str
    ok: bool
    problems: tuple[str, ...]
    path: tuple[str, ...]
    steps: tuple[tuple[str, str | None, str | None], ...]  # (node, customer said, branch taken) per turn

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "problems": list(self.problems), "path": list(self.path)}


@dataclass(slots=True)
class SuiteRun:
    cases: list[CaseRun] = field(default_factory=list)

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.cases if not c.ok]

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        return {"cases": [c.to_dict() for c in self.cases], "passed": len(self.cases) - len(self.failed),
                "failed": self.failed}


@dataclass(frozen=True, slots=True)
class CaseChange:
    """A case that takes another path on the new version than on the old one."""

    name: str
    old_path: tuple[str, ...]
    new_path: tuple[str, ...]
    turn: int  # 1-based index of the first customer turn that differs (0: the opening already differs)
    reply: str | None
    old_step: str
    new_step: str
    now_ok: bool

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "old_path": list(self.old_path), "new_path": list(self.new_path),
                "turn": self.turn, "reply": self.reply, "old": self.old_step, "new": self.new_step,
                "now_ok": self.now_ok}


def cases_of(doc: Mapping[str, Any]) -> list[ReplayCase]:
    raw = doc.get(CASES_KEY)
    if raw is None:
        return []
    try:
        return load_cases({"cases": raw})
    except UserError as e:
        raise CaseError(f"the script's cases: {e}") from None


def _record(script: Script, case: ReplayCase) -> CallRecord:
    return run_script(script, case.replies, case.variables)


def _steps(r: CallRecord) -> tuple[tuple[str, str | None, str | None], ...]:
    return tuple((t.node, t.customer, t.branch) for t in r.turns if t.customer is not None)


def case_from_replies(doc: Mapping[str, Any], name: str, replies: Sequence[str],
                      variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Run the conversation once and keep what it did as the expectation (path and intent)."""
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise CaseError(f"a case needs a name of 1 to {MAX_NAME} characters")
    if not replies or len(replies) > MAX_REPLIES:
        raise CaseError(f"a case needs 1 to {MAX_REPLIES} replies (got {len(replies)})")
    if not all(isinstance(r, str) and len(r) <= 500 for r in replies):
        raise CaseError("every reply must be text of at most 500 characters")
    try:
        record = run_script(Script.from_dict(doc), list(replies), dict(variables or {}))
    except (KeyError, ValueError, TypeError) as e:
        raise CaseError(f"the conversation cannot be run on this script: {e}") from None
    case: dict[str, Any] = {"name": name, "replies": list(replies),
                            "expect": {"path": list(record.path),
                                       "intent": {"label": record.intent.label,
                                                  "category": record.intent.category}}}
    if variables:
        case["vars"] = dict(variables)
    return case


def add_case(doc: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``doc`` with ``case`` added, or replacing the case of the same name."""
    out = copy.deepcopy(dict(doc))
    cases = [c for c in out.get(CASES_KEY) or [] if c.get("name") != case.get("name")]
    if len(cases) >= MAX_CASES:
        raise CaseError(f"a script keeps at most {MAX_CASES} cases")
    unknown = set(case.get("expect") or {}) - set(EXPECT_KEYS)
    if unknown:
        raise CaseError(f"case {case.get('name')!r}: unknown expectation {', '.join(sorted(unknown))}")
    out[CASES_KEY] = [*cases, dict(case)]
    return out


def merge_replay_file(doc: Mapping[str, Any], replay: Mapping[str, Any]) -> dict[str, Any]:
    """Add every case of a replay file (``{"cases": [...]}``, as in scripts_library/cases)."""
    try:
        cases = load_cases(replay)
    except UserError as e:
        raise CaseError(str(e)) from None
    out = dict(doc)
    for c in cases:
        entry: dict[str, Any] = {"name": c.name, "replies": list(c.replies), "expect": dict(c.expect)}
        if c.variables:
            entry["vars"] = dict(c.variables)
        out = add_case(out, entry)
    return out


def run_suite(doc: Mapping[str, Any]) -> SuiteRun:
    """Run every case of ``doc`` on ``doc`` itself."""
    return _run(Script.from_dict(doc), cases_of(doc))


def _run(script: Script, cases: Sequence[ReplayCase]) -> SuiteRun:
    out = SuiteRun()
    for c in cases:
        try:
            r = _record(script, c)
        except (KeyError, ValueError, TypeError) as e:
            out.cases.append(CaseRun(c.name, False, (f"cannot run: {e}",), (), ()))
            continue
        problems = tuple(check_record(c.expect, r))
        out.cases.append(CaseRun(c.name, not problems, problems, tuple(r.path), _steps(r)))
    return out


def _say(step: tuple[str, str | None, str | None] | None) -> str:
    if step is None:
        return "(call over)"
    node, _said, branch = step
    return f"{node} -> {branch or 'no branch'}"


def compare(old_doc: Mapping[str, Any], new_doc: Mapping[str, Any]) -> tuple[SuiteRun, list[CaseChange]]:
    """Run the new version's cases on both versions: the new run, and each case whose path changed."""
    cases = cases_of(new_doc)
    new = _run(Script.from_dict(new_doc), cases)
    old = _run(Script.from_dict(old_doc), cases)
    changes = []
    for a, b in zip(old.cases, new.cases, strict=True):
        if a.path == b.path:
            continue
        turn = next((i for i, (x, y) in enumerate(zip(a.steps, b.steps, strict=False)) if x != y),
                    min(len(a.steps), len(b.steps)))
        if a.steps[:1] == b.steps[:1] == () or (a.path[:1] != b.path[:1]):
            turn = -1
        old_step = a.steps[turn] if 0 <= turn < len(a.steps) else None
        new_step = b.steps[turn] if 0 <= turn < len(b.steps) else None
        reply = (new_step or old_step or (None, None, None))[1]
        changes.append(CaseChange(b.name, a.path, b.path, turn + 1, reply, _say(old_step), _say(new_step), b.ok))
    return new, changes
