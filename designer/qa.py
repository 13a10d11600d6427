"""QA scoring: a confidence score 0-100 with findings and suggestions, as the paper's QA module asks.

Findings come from validation (everything it reports), functional coverage, prompt quality,
compliance, flow and settings. The score is deterministic and documented
(``docs/script-format.md``):

    penalty(code)     = min(CODE_CAP[severity], count x SEVERITY_WEIGHT[severity])
                        weights error 10, warning 4, info 1; caps 20, 8, 3
    penalty(category) = min(30, sum of its codes)   -- one category cannot sink a script alone
    score             = max(0, 100 - sum of category penalties), at most 49 if validation fails
"""

from __future__ import annotations

from typing import Any

from designer._qa_compliance import check_compliance
from designer._qa_context import QAContext
from designer._qa_coverage import check_coverage
from designer._qa_flow import check_flow, check_settings
from designer._qa_prompts import check_prompts
from designer.qa_findings import QAFinding, QAReport, score_findings
from designer.validate import run_checks

__all__ = ["QAFinding", "QAReport", "qa", "SUGGESTIONS"]

# How to fix each validation code, shown next to the finding.
SUGGESTIONS: dict[str, str] = {
    "schema": "Fix the field at the given path so the file matches the huashu.script/1 format.",
    "missing_start": "Set 'start' to the id of the opening node.",
    "dangling_target": "Point the branch at an existing node, or create the missing node.",
    "duplicate_id": "Rename one of the two so every id is unique.",
    "unreachable_node": "Connect the node from a branch, or delete it.",
    "dead_end": "Add a 'next' (or a branch) so the call can go on, or make it an end node.",
    "missing_default": "Add a 'default' target for when no condition holds.",
    "no_path_to_end": "Make sure every path can reach an end node.",
    "missing_silence_branch": "Add a branch {\"event\": \"silence\"} (or a global handler for it).",
    "missing_no_match_branch": "Add a branch {\"event\": \"no_match\"} (or a global handler for it).",
    "unbounded_loop": "Give the retry branch max_times and an else_goto that leaves the loop.",
    "ambiguous_branch": "Keep each keyword / key in one branch only.",
    "empty_prompt": "Write the text the bot says, or attach a recording.",
    "undefined_variable": "Declare the variable in 'variables', or fix its name.",
    "unknown_intent": "Define the intent in 'intents', or use a built-in one.",
    "invalid_expr": "Write the condition like: balance < 0 and vip == true.",
    "invalid_regex": "Fix the regular expression.",
    "invalid_condition": "Use 'expr' on condition nodes and answers (intent, keywords, dtmf...) elsewhere.",
    "intent_rule_unknown_node": "Use an existing node id in the rule.",
    "intent_rule_unknown_tag": "Use a tag that a node or branch sets.",
    "intent_rule_unknown_outcome": "Use an outcome that an end node has.",
    "end_without_outcome": "Give the end node a short outcome label, e.g. 'recharged'.",
    "outcome_without_intent_rule": "Add an intent rule for this outcome.",
    "return_outside_handler": "Use @return only on paths started by a global handler.",
}


def qa(doc: Any, *, forbidden_words: tuple[str, ...] | list[str] = ()) -> QAReport:
    """Score ``doc``; the same document (and word list) always gets the same report."""
    report, script, graph = run_checks(doc)
    findings: list[QAFinding] = []
    for severity, items in (("error", report.errors), ("warning", report.warnings)):
        for f in items:
            findings.append(QAFinding(f.code, severity, f.node, f.message,
                                      SUGGESTIONS.get(f.code, ""), "validation", f.branch))
    metrics: dict[str, Any] = {"valid": report.valid}
    if script is not None and graph is not None:
        ctx = QAContext(script=script, graph=graph, forbidden_words=tuple(forbidden_words))
        check_coverage(ctx)
        check_prompts(ctx)
        check_compliance(ctx)
        check_flow(ctx)
        check_settings(ctx)
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
