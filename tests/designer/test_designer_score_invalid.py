"""An invalid script still gets a score that says how broken it is (at most 49, floor 0)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from designer.qa import qa
from designer.qa_findings import INVALID_ERROR_STEP, INVALID_SCORE_CAP, QAFinding, score_findings

DOC = Path(__file__).resolve().parents[2] / "docs" / "script-format.md"


def _f(code: str, severity: str = "error", category: str = "validation") -> QAFinding:
    return QAFinding(code, severity, None, "m", "s", category)


def test_invalid_score_drops_with_every_further_error() -> None:
    one = score_findings([_f("dead_end")], valid=False)[0]
    five = score_findings([_f("dead_end")] * 3 + [_f("dangling_target")] * 2, valid=False)[0]
    many = score_findings([_f(f"code{i}") for i in range(20)], valid=False)[0]
    assert (one, five, many) == (49, 37, 0)
    assert score_findings([], valid=False)[0] == INVALID_SCORE_CAP


def test_invalid_score_also_reflects_the_rest_of_the_report() -> None:
    with_gap = score_findings([_f("dead_end"), _f("no_opt_out_handler", category="coverage")], valid=False)[0]
    assert with_gap == 44  # rest 90 scaled into 0-49


def test_real_scripts_broken_more_score_lower(base: dict[str, Any]) -> None:
    once = copy.deepcopy(base)
    once["start"] = "nowhere"
    badly = copy.deepcopy(base)
    badly["start"] = "nowhere"
    for n in badly["nodes"]:
        for b in n.get("branches", []):
            if b["when"].get("event") == "no_match":
                b["goto"] = "ghost"
    a, b = qa(once), qa(badly)
    assert not a.metrics["valid"] and not b.metrics["valid"]
    assert 0 <= b.score < a.score <= 49
    assert qa(badly).score == b.score  # deterministic


def test_docs_give_the_invalid_formula() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert f"⌊{INVALID_SCORE_CAP} × rest / 100⌋ − {INVALID_ERROR_STEP} × (validation errors − 1)" in text
