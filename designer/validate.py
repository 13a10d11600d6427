"""Completeness validation of a ``huashu.script/1`` document: structure first, then the conversation graph.

A script that is incomplete on a live call (a branch to nowhere, no answer for silence, a loop
that never ends) costs customers, so every check reports the node and branch it concerns and a
sentence a business user understands. Codes are listed in ``docs/script-format.md``.
"""

from __future__ import annotations

import re
from typing import Any

from designer._checks_content import check_content
from designer._checks_graph import check_graph
from designer._context import CheckContext
from designer._schema_fast import structural_errors
from designer.findings import Finding, ValidationReport
from designer.graph import ScriptGraph, build_graph
from designer.messages import normalize_lang, render
from designer.model import Script

__all__ = ["Finding", "ValidationReport", "run_checks", "validate", "validate_with_script"]


_NODE_PATH = re.compile(r"^\$\.nodes\[(\d+)\](?:\.branches\[(\d+)\])?")


def _item_id(items: Any, index: str | None) -> str | None:
    if index is None or not isinstance(items, list) or int(index) >= len(items):
        return None
    item = items[int(index)]
    value = item.get("id") if isinstance(item, dict) else None
    return value if isinstance(value, str) else None


def _where(doc: Any, path: str) -> tuple[str | None, str | None]:
    """(node, branch) a schema error's path points into, so the editor can highlight it."""
    m = _NODE_PATH.match(path)
    if not m or not isinstance(doc, dict):
        return None, None
    nodes = doc.get("nodes")
    node = _item_id(nodes, m.group(1))
    branches = nodes[int(m.group(1))].get("branches") if node is not None else None  # type: ignore[index]
    return node, _item_id(branches, m.group(2))


def _schema_finding(doc: Any, path: str, detail: str, lang: str) -> Finding:
    node, branch = _where(doc, path)
    params = {"path": path, "detail": detail}
    return Finding("schema", node, branch, path, render("schema", params, lang), "schema", tuple(params.items()))


def run_checks(doc: Any, lang: str = "en") -> tuple[ValidationReport, Script | None, ScriptGraph | None]:
    """Validation plus the script and graph it built (None when the structure is broken), so QA
    does not build them twice. ``lang`` (``en``/``zh``) is the language of the messages."""
    lang = normalize_lang(lang)
    structural = structural_errors(doc)
    if structural:
        errs = [_schema_finding(doc, e.path, e.message, lang) for e in structural]
        return ValidationReport(valid=False, errors=errs), None, None
    script = Script.from_dict(doc)
    ctx = CheckContext(script=script, graph=build_graph(script), doc=doc, lang=lang)
    check_graph(ctx)
    check_content(ctx)
    report = ValidationReport(valid=not ctx.errors, errors=ctx.errors, warnings=ctx.warnings)
    return report, script, ctx.graph


def validate_with_script(doc: Any, *, lang: str = "en") -> tuple[ValidationReport, Script | None]:
    """Validate and also hand back the built script (None when the structure is broken)."""
    report, script, _graph = run_checks(doc, lang)
    return report, script


def validate(doc: Any, *, forbidden_words: tuple[str, ...] | list[str] = (), lang: str = "en") -> ValidationReport:
    """Check ``doc``; messages in ``lang`` (``en`` or ``zh``; ``zh-CN`` works too, anything else is a
    ValueError). ``forbidden_words`` is accepted for symmetry with :func:`designer.qa.qa`
    (wording is a QA matter and never makes a script invalid)."""
    del forbidden_words
    return validate_with_script(doc, lang=lang)[0]
