"""Robustness findings: branches that miss realistic replies or take contrary ones (thresholds in
:mod:`designer.robustness`)."""

from __future__ import annotations

from designer._qa_context import QAContext
from designer.robustness import CAPTURE_ERROR, CAPTURE_WARN, RECALL_ERROR, RECALL_WARN, Robustness

__all__ = ["check_robustness"]


def check_robustness(ctx: QAContext, rob: Robustness | None) -> None:
    """Findings of category ``robustness`` for weak branches, and the attack's figures as metrics."""
    if rob is None:
        return  # not measured: no metrics, no findings
    ctx.metrics.update(rob.metrics())
    for b in rob.branches:
        if b.recall is not None and b.recall < RECALL_WARN:
            severity = "error" if b.recall < RECALL_ERROR else "warning"
            ctx.add("low_recall", severity, "robustness", b.node, b.branch, pct=round(100 * b.recall),
                    example=b.missed or "-", variants=b.variants)
        if b.false_capture is not None and b.false_capture >= CAPTURE_WARN:
            severity = "error" if b.false_capture >= CAPTURE_ERROR else "warning"
            ctx.add("false_capture", severity, "robustness", b.node, b.branch, pct=round(100 * b.false_capture),
                    example=b.captured or "-")
