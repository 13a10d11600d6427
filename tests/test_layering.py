"""The direction of imports (docs/architecture.md): the shell (huashu.cli, huashu.demo) -> web ->
runtime -> designer, runtime -> telephony, and every layer -> huashu.core, the bottom layer,
which imports none of them. designer imports none of the others, telephony neither runtime nor
web, runtime not web."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_SHELL = {"huashu.cli", "huashu.demo", "huashu.__main__"}
# package (a folder under the root) -> module prefixes it must not import
FORBIDDEN = {
    "designer": {"runtime", "telephony", "web", *_SHELL},
    "telephony": {"runtime", "web", "designer", *_SHELL},
    "runtime": {"web", *_SHELL},
    "web": _SHELL,
    "huashu/core": {"designer", "runtime", "telephony", "web", *_SHELL},
}


def _forbidden(mod: str, prefixes: set[str]) -> bool:
    return any(mod == p or mod.startswith(p + ".") for p in prefixes)

# The files are parsed in a fresh interpreter: CPython 3.11's AST builder keeps its recursion
# count per interpreter, and after a long test session (threads, finalisers running mid-build)
# an in-process ast.parse failed with "AST constructor recursion depth mismatch" (cpython#106905).
_LIST_IMPORTS = """
import ast, json, sys
out = {}
for path in sys.argv[1:]:
    rows = []
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
        if isinstance(node, ast.Import):
            rows += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            rows.append((node.lineno, node.module))
    out[path] = rows
print(json.dumps(out))
"""


@cache
def _imports_of(package: str) -> dict[str, list[tuple[int, str]]]:
    files = [str(p) for p in sorted((ROOT / package).rglob("*.py"))]
    proc = subprocess.run([sys.executable, "-c", _LIST_IMPORTS, *files], capture_output=True, text=True,
                          timeout=120, check=True)
    return {path: [(line, mod) for line, mod in rows] for path, rows in json.loads(proc.stdout).items()}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_go_one_way(package: str) -> None:
    bad = [
        f"{Path(path).relative_to(ROOT)}:{line}: imports {mod}"
        for path, rows in _imports_of(package).items()
        for line, mod in rows
        if _forbidden(mod, FORBIDDEN[package])
    ]
    assert not bad, "\n".join(bad)
