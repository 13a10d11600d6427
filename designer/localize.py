"""Say existing findings again in another language, from the message key and parameters they carry.

``validate(doc, lang=...)`` and ``qa(doc, lang=...)`` already speak the wanted language; this is for
reports made earlier (a cached check, a stored result) that must be shown to a reader of the other
language. The codes, paths, order and score never change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from designer.findings import Finding, ValidationReport
from designer.messages import normalize_lang, render, suggestion
from designer.qa_findings import QAFinding, QAReport

__all__ = ["localize_qa", "localize_validation", "titles_of"]


def titles_of(doc: Any) -> dict[str, str]:
    """Node id -> title of a script document (tolerates a broken one: it only names things)."""
    nodes = doc.get("nodes") if isinstance(doc, dict) else None
    if not isinstance(nodes, list):
        return {}
    return {n["id"]: n["title"] for n in nodes
            if isinstance(n, dict) and isinstance(n.get("id"), str) and isinstance(n.get("title"), str) and n["title"]}


def _finding(f: Finding, lang: str, titles: Mapping[str, str]) -> Finding:
    return replace(f, message=render(f.key, f.params, lang, titles)) if f.key else f


def localize_validation(report: ValidationReport, lang: str, titles: Mapping[str, str] | None = None) -> ValidationReport:
    """The same report with messages in ``lang``; a finding made without a key keeps its text."""
    lang, t = normalize_lang(lang), titles or {}
    return ValidationReport(report.valid, [_finding(f, lang, t) for f in report.errors],
                            [_finding(f, lang, t) for f in report.warnings])


def _qa_finding(f: QAFinding, lang: str, titles: Mapping[str, str]) -> QAFinding:
    if not f.key:
        return f
    return replace(f, message=render(f.key, f.params, lang, titles),
                   suggestion=suggestion(f.key, f.params, lang, titles))


def localize_qa(report: QAReport, lang: str, titles: Mapping[str, str] | None = None) -> QAReport:
    """The same QA report with messages and suggestions in ``lang``."""
    lang, t = normalize_lang(lang), titles or {}
    return QAReport(report.score, [_qa_finding(f, lang, t) for f in report.findings], dict(report.metrics))
