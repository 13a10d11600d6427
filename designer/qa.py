"""QA scoring: a confidence score 0-100 with findings and suggestions, as the paper's QA module asks.

Findings come from validation (everything it reports), functional coverage, prompt quality,
compliance, flow and settings. The score is deterministic and documented
(``docs/script-format.md``):

    penalty(code)     = min(CODE_CAP[severity], count x SEVERITY_WEIGHT[severity])
                        weights error 10, warning 4, info 1; caps 20, 8, 3
    penalty(category) = min(30, sum of its codes)   -- one category cannot sink a script alone
    score             = max(0, 100 - sum of category penalties); when validation fails,
                        max(0, floor(49 x rest / 100) - 3 x (validation errors - 1)) where rest =
                        max(0, 100 - sum of the other categories' penalties)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from designer._context import node_titles
from designer._qa_compliance import check_compliance
from designer._qa_context import QAContext
from designer._qa_coverage import check_coverage
from designer._qa_flow import check_flow, check_settings
from designer._qa_prompts import check_prompts
from designer._qa_robustness import check_robustness
from designer.messages import SUGGESTIONS as _SUGGESTION_TEXT
from designer.messages import VALIDATION_CODES, normalize_lang, suggestion
from designer.qa_findings import QAFinding, QAReport, score_findings
from designer.robustness import Robustness
from designer.validate import run_checks

__all__ = ["QAFinding", "QAReport", "qa", "SUGGESTIONS"]

# How to fix each validation code (English), shown next to the finding; both languages live in
# designer.messages.
SUGGESTIONS: dict[str, str] = {
    code: _SUGGESTION_TEXT[code].en for code in VALIDATION_CODES if code in _SUGGESTION_TEXT
}


def qa(doc: Any, *, forbidden_words: tuple[str, ...] | list[str] = (), lang: str = "en",
       robustness: Robustness | None = None, disclosure: Mapping[str, bool] | None = None) -> QAReport:
    """Score ``doc``; the same document (and word list) always gets the same report. Messages and
    suggestions are in ``lang`` (``en`` or ``zh``); the codes, score and order do not depend on it.

    ``robustness`` is the attack's per-branch recall and false capture, measured by the caller
    (``runtime.lab.attack.robustness_of``); without it the ``robustness`` category stays empty.
    ``disclosure``: a region policy's requirements for the opening prompt (``{"automated_voice": True}``
    adds the ``no_automated_voice_disclosure`` compliance finding; see ``runtime.campaigns.regions``)."""
    lang = normalize_lang(lang)
    report, script, graph = run_checks(doc, lang)
    titles = node_titles(script) if script is not None and lang != "en" else {}
    findings: list[QAFinding] = []
    for severity, items in (("error", report.errors), ("warning", report.warnings)):
        for f in items:
            findings.append(QAFinding(f.code, severity, f.node, f.message,
                                      suggestion(f.key or f.code, f.params, lang, titles), "validation",
                                      f.branch, f.key, f.params))
    metrics: dict[str, Any] = {"valid": report.valid}
    if script is not None and graph is not None:
        ctx = QAContext(script=script, graph=graph, forbidden_words=tuple(forbidden_words), lang=lang,
                        titles=titles, disclosure=dict(disclosure or {}))
        check_coverage(ctx)
        check_prompts(ctx)
        check_compliance(ctx)
        check_flow(ctx)
        check_settings(ctx)
        check_robustness(ctx, robustness)
        findings += ctx.findings
        metrics.update(ctx.metrics)
        metrics.update(
            nodes=len(script.nodes),
            listening_nodes=sum(1 for _ in script.listening_nodes()),
            end_nodes=sum(1 for _ in script.end_nodes()),
            reachable_nodes=len(ctx.reachable),
        )
    score, penalties = score_findings(findings, valid=report.valid)
    metrics["penalties"] = penalties
    order = {"error": 0, "warning": 1, "info": 2}
    findings.sort(key=lambda f: (order[f.severity], f.category, f.code, f.node or "", f.branch or ""))
    return QAReport(score=score, findings=findings, metrics=metrics)
