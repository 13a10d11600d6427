"""The QA metrics as a reader sees them on the review page: labelled and translated, yes/no,
node ids as titles, seconds with their unit, the score's deductions as a small table.

The editor's Check panel does the same in JavaScript (``web/static/editor/panels.js``,
``metricsTable``) with the same catalogue keys (``ed.metric.*``, ``ed.qa_cat.*``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from web.i18n import Translator, catalogue

__all__ = ["MetricRow", "qa_metric_rows", "METRIC_ORDER"]

METRIC_ORDER = ("valid", "nodes", "reachable_nodes", "listening_nodes", "end_nodes", "success_ends",
                "turns_to_success", "max_prompt_seconds", "total_prompt_seconds", "penalties")


@dataclass(frozen=True, slots=True)
class MetricRow:
    key: str
    label: str
    text: str = ""
    items: list[str] = field(default_factory=list)  # a list shown as chips (success ends)
    table: list[tuple[str, str]] = field(default_factory=list)  # a breakdown (penalties)
    total: tuple[str, str] | None = None


def _known(t: Translator, key: str) -> bool:
    return key in catalogue(t.lang) or key in catalogue("en")


def _label(t: Translator, prefix: str, key: str) -> str:
    return t(f"{prefix}.{key}") if _known(t, f"{prefix}.{key}") else key


def _text(t: Translator, key: str, v: Any) -> str:
    if isinstance(v, bool):
        return t("ed.yes") if v else t("ed.no")
    if v is None:
        return "—"
    if key.endswith("_seconds") and isinstance(v, int | float):
        return t("ed.metric.seconds", n=v)
    if isinstance(v, list | tuple):
        return ", ".join(str(x) for x in v)
    if isinstance(v, Mapping):
        return "; ".join(f"{_label(t, 'ed.qa_cat', str(k))}: {x}" for k, x in v.items())
    return str(v)


def qa_metric_rows(metrics: Mapping[str, Any], t: Translator, titles: Mapping[str, str] | None = None,
                   score: int | None = None) -> list[MetricRow]:
    """One row per metric, known ones first in a reading order, unknown ones after as they come."""
    titles = titles or {}
    keys = [k for k in METRIC_ORDER if k in metrics] + [k for k in metrics if k not in METRIC_ORDER]
    rows: list[MetricRow] = []
    for k in keys:
        v = metrics[k]
        label = _label(t, "ed.metric", k)
        if k == "penalties" and isinstance(v, Mapping):
            table = [(_label(t, "ed.qa_cat", str(cat)), f"\u2212{x}" if x else "0") for cat, x in v.items()]
            total = sum(int(x) for x in v.values() if isinstance(x, int | float))
            rows.append(MetricRow(k, label, table=table,
                                  total=(t("ed.metric.score_line", total=total), str(score)) if score is not None else None))
        elif k == "success_ends" and isinstance(v, list | tuple):
            rows.append(MetricRow(k, label, text="" if v else t("ed.metric.none"),
                                  items=[str(titles.get(x, x)) for x in v]))
        else:
            rows.append(MetricRow(k, label, text=_text(t, k, v)))
    return rows
