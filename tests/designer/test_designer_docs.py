"""docs/script-format.md stays true: every code the code can emit is documented, and its examples run."""

from __future__ import annotations

import re
from pathlib import Path

from designer.expr import eval_expr, parse_expr
from designer.qa import SUGGESTIONS
from designer.qa_findings import CATEGORY_CAP, CODE_CAP, SEVERITY_WEIGHT

DOC = Path(__file__).resolve().parents[2] / "docs" / "script-format.md"
SRC = Path(__file__).resolve().parents[2] / "designer"


def _documented_codes() -> set[str]:
    return set(re.findall(r"^\|(?: \w+ \|)? `([a-z_]+)` \|", DOC.read_text(encoding="utf-8"), re.M))


def _emitted_codes() -> set[str]:
    """Codes the checks name: a literal message key (``"code"`` or ``"code.variant"``, also as the
    start of an f-string or a conditional key) in the check modules."""
    codes: set[str] = set()
    for p in SRC.glob("_*.py"):
        if p.name == "__init__.py":  # the package's set-up (it registers the store's tables), not a check
            continue
        text = p.read_text(encoding="utf-8")
        codes |= set(re.findall(r'ctx\.(?:error|warn|add)\(\s*f?"([a-z_]+)[".]', text))
        codes |= set(re.findall(r'(?:key = \(?|else |if |\()f?"([a-z_]+)\.(?:[a-z_]+|\{where\})"', text))
        codes |= set(re.findall(r'key = "([a-z_]+)" \+', text))
        codes |= {f"no_{i}_handler" for i in re.findall(r'^    "([a-z_]+)": \("(?:error|warning)"', text, re.M)}
    return codes | {"schema"}


def test_every_emitted_code_is_documented_and_has_a_suggestion() -> None:
    emitted = _emitted_codes()
    assert len(emitted) > 40
    assert emitted <= _documented_codes(), emitted - _documented_codes()
    validation = {c for c in emitted if c in SUGGESTIONS}
    assert "unbounded_loop" in validation and "dangling_target" in validation


def test_documented_formula_matches_the_constants() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert f"error {SEVERITY_WEIGHT['error']}, warning {SEVERITY_WEIGHT['warning']}, info {SEVERITY_WEIGHT['info']}" in text
    assert f"error {CODE_CAP['error']}, warning {CODE_CAP['warning']}, info {CODE_CAP['info']}" in text
    assert f"min({CATEGORY_CAP}," in text


def test_expression_examples_in_the_docs_parse() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("### Condition expressions", 1)[1].split("###", 1)[0]
    examples = re.findall(r"`([^`]*(?:<|==|>=| in )[^`]*)`", section.split("Allowed:")[0])
    assert len(examples) >= 4
    env = {"balance": -1, "plan": "5G", "amount": 100, "vip": True}
    for e in examples:
        assert eval_expr(parse_expr(e), env) is True, e
