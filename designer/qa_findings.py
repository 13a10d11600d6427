"""The QA finding vocabulary and the score formula (kept apart so the formula is easy to read and test)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CATEGORIES",
    "CATEGORY_CAP",
    "CODE_CAP",
    "INVALID_ERROR_STEP",
    "INVALID_SCORE_CAP",
    "SEVERITY_WEIGHT",
    "QAFinding",
    "QAReport",
    "score_findings",
]

SEVERITY_WEIGHT: dict[str, int] = {"error": 10, "warning": 4, "info": 1}
CODE_CAP: dict[str, int] = {"error": 20, "warning": 8, "info": 3}
CATEGORY_CAP = 30
INVALID_SCORE_CAP = 49
INVALID_ERROR_STEP = 3  # an invalid script loses this much more for each validation error after the first
CATEGORIES: tuple[str, ...] = ("validation", "coverage", "prompts", "compliance", "flow", "settings", "robustness")


@dataclass(frozen=True, slots=True)
class QAFinding:
    code: str
    severity: str  # error | warning | info
    node: str | None
    message: str
    suggestion: str
    category: str = "validation"
    branch: str | None = None
    # What message and suggestion were made from (``designer.messages``); not in the JSON form.
    key: str = field(default="", compare=False, repr=False)
    params: tuple[tuple[str, Any], ...] = field(default=(), compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "node": self.node, "message": self.message,
                "suggestion": self.suggestion, "category": self.category, "branch": self.branch}


@dataclass(frozen=True, slots=True)
class QAReport:
    score: int
    findings: list[QAFinding] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.score, "findings": [f.to_dict() for f in self.findings], "metrics": self.metrics}


def score_findings(findings: Iterable[QAFinding], *, valid: bool) -> tuple[int, dict[str, int]]:
    """100 minus capped penalties; returns the score and the penalty of each category.

    penalty(code)     = min(CODE_CAP[severity], count * SEVERITY_WEIGHT[severity])
    penalty(category) = min(CATEGORY_CAP, sum of its codes' penalties)
    score             = max(0, 100 - sum of category penalties)
    invalid script    : rest  = max(0, 100 - sum of the penalties of the other categories)
                        score = max(0, floor(49 * rest / 100) - 3 * (validation errors - 1))

    The category cap keeps one category from sinking a script alone, so a plain "at most 49"
    gave every invalid script 49, one error or twenty. Scaling the rest of the report into
    0-49 and taking 3 per further validation error keeps "how broken" visible.
    """
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    for f in findings:
        counts[(f.category, f.code, f.severity)] += 1
    per_category: dict[str, int] = dict.fromkeys(CATEGORIES, 0)
    for (category, _code, severity), n in sorted(counts.items()):
        per_category[category] = per_category.get(category, 0) + min(
            CODE_CAP[severity], n * SEVERITY_WEIGHT[severity]
        )
    capped = {c: min(CATEGORY_CAP, p) for c, p in per_category.items()}
    score = max(0, 100 - sum(capped.values()))
    if not valid:
        errors = sum(n for (category, _code, severity), n in counts.items()
                     if category == "validation" and severity == "error")
        rest = max(0, 100 - sum(p for c, p in capped.items() if c != "validation"))
        score = max(0, INVALID_SCORE_CAP * rest // 100 - INVALID_ERROR_STEP * max(errors - 1, 0))
    return score, capped
