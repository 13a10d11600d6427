"""No hand-written function is longer than 80 lines (def line to last line, docstring and nested
functions included), in every product package: past that a function does several things, and
the reader cannot see its steps. Alembic migrations are generated and left out; tests are too.

There is no allow-list: split a function that grows past the limit into named steps.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("designer", "runtime", "telephony", "web", "huashu", "scripts_library")
MAX_LINES = 80

# Parsed in a fresh interpreter, as tests/test_layering.py does: CPython 3.11's AST builder keeps a
# recursion count per interpreter that a long test session can leave off (cpython#106905).
_LONG_FUNCTIONS = """
import ast, json, sys
limit = int(sys.argv[1])
out = []
for path in sys.argv[2:]:
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lines = node.end_lineno - node.lineno + 1
            if lines > limit:
                out.append([path, node.lineno, node.name, lines])
print(json.dumps(out))
"""


def _sources() -> list[Path]:
    files = [p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))]
    return [p for p in files if "migrations" not in p.relative_to(ROOT).parts]


def test_sources_are_found() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in _sources()}
    assert "web/app.py" in names and "runtime/campaigns/tasks.py" in names
    assert not any("/migrations/" in n for n in names)


def test_no_function_is_longer_than_80_lines() -> None:
    out = subprocess.run([sys.executable, "-c", _LONG_FUNCTIONS, str(MAX_LINES), *map(str, _sources())],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    long = [f"{Path(path).relative_to(ROOT)}:{line} {name}() is {n} lines"
            for path, line, name, n in json.loads(out)]
    assert not long, f"functions over {MAX_LINES} lines (split them into named steps):\n" + "\n".join(long)


def test_the_check_sees_a_long_function(tmp_path: Path) -> None:
    f = tmp_path / "long.py"
    f.write_text("def short():\n    return 1\n\n\nasync def long():\n" + "    x = 1\n" * MAX_LINES, encoding="utf-8")
    out = subprocess.run([sys.executable, "-c", _LONG_FUNCTIONS, str(MAX_LINES), str(f)],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    assert json.loads(out) == [[str(f), 5, "long", MAX_LINES + 1]]
