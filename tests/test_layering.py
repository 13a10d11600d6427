"""The direction of imports (DESIGN.md): web -> runtime -> designer, runtime -> telephony;
designer imports none of the others, telephony neither runtime nor web, runtime not web."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from designer.expr import parse_python

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "designer": {"runtime", "telephony", "web", "huashu"},
    "telephony": {"runtime", "web", "huashu", "designer"},
    "runtime": {"web", "huashu"},
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = parse_python(path.read_text(encoding="utf-8"))  # one AST builder at a time (CPython 3.11)
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
    return out


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_go_one_way(package: str) -> None:
    bad = [
        f"{p.relative_to(ROOT)}:{line}: imports {mod}"
        for p in sorted((ROOT / package).rglob("*.py"))
        for line, mod in _imports(p)
        if mod.split(".")[0] in FORBIDDEN[package]
    ]
    assert not bad, "\n".join(bad)
