"""A user-fixable error said in the page's language.

Errors below the web (the script store, the campaign core) carry a message ``key`` and its
``params`` beside their English text; the page looks ``store.<key>`` (or ``<prefix><key>``) up in
the catalogue; a param that is itself an error is said the same way (a task that cannot start,
and why). An error without a key, or with a key the catalogue lacks, shows its English text:
no message is ever lost, and the parity test keeps the two languages' keys equal.
"""

from __future__ import annotations

from typing import Any

from designer.findings import ValidationReport
from designer.localize import localize_qa, localize_validation
from designer.qa_findings import QAReport
from web.i18n import Translator, catalogue

__all__ = ["say_error", "say_row"]

#: Parameters that hold a script version status, shown with the status words of the catalogue.
_STATUS_PARAMS = ("status", "to")


def _param(t: Translator, name: str, value: Any, prefix: str) -> Any:
    if isinstance(value, Exception):  # the refusal behind this one (a task that cannot start: why)
        return say_error(t, value, prefix)
    if name == "field" and isinstance(value, str):  # the form field a message is about, by its label
        return t.code(f"{prefix}field", value)
    if name == "label" and isinstance(value, str):  # a field named by its label's catalogue key
        return t(value)
    if name == "task_status" and isinstance(value, str):
        return t.code("op.status", value)
    if name == "task_action" and isinstance(value, str):
        return t.code("op.action", value)
    if name == "findings" and isinstance(value, list | tuple):  # QA findings, in this language
        said = localize_qa(QAReport(0, list(value)), t.lang).findings
        return ("；" if t.lang == "zh" else "; ").join(f.message for f in said)
    if name in _STATUS_PARAMS and isinstance(value, str):
        return t(f"status.{value}")
    if name == "allowed" and isinstance(value, list | tuple):
        words = [t(f"status.{v}") for v in value]
        return "、".join(words) if t.lang == "zh" else ", ".join(words)
    return value


def say_error(t: Translator, error: Exception, prefix: str = "store.") -> str:
    """``error`` in ``t``'s language: its catalogued sentence, else its own (English) text."""
    localized = getattr(error, "message", None)
    if callable(localized):  # SchemaRejectedError says itself in either language
        text = localized(t.lang)
        if isinstance(text, str):
            return text
    key = getattr(error, "key", "")
    if not key or f"{prefix}{key}" not in catalogue("en"):
        return str(error)
    params = {k: _param(t, k, v, prefix) for k, v in (getattr(error, "params", None) or {}).items()}
    report = getattr(error, "report", None)
    if isinstance(report, ValidationReport) and report.errors:  # the first error, said in this language too
        params["first"] = localize_validation(report, t.lang).errors[0].message
    return t(f"{prefix}{key}", **params)


def say_row(t: Translator, error: Any) -> str:
    """One bad line of an import (``runtime.campaigns.uploads.RowError``) in ``t``'s language:
    "第 3 行：…" with its catalogued sentence, else its own English "line 3: …"."""
    key = getattr(error, "key", "")
    if not key or key not in catalogue("en"):
        return str(error)
    return t("op.row", line=error.row_no, what=t(key, **dict(error.params)))
