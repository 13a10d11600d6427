"""The editor's pure JavaScript modules (doc.js, tree.js, safe.js, fixes.js) under ``node --test``,
so CI runs them with the Python suite (``npm test`` in web/ runs the same files)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "web"
TESTS = WEB / "static" / "editor" / "tests"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_editor_js_units_pass_under_node_test() -> None:
    files = sorted(TESTS.glob("*.test.js"))
    assert len(files) >= 3, files  # safe, fixes, tree: a lost file must not pass silently
    r = subprocess.run(["node", "--test", *map(str, files)], cwd=WEB, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert "# fail 0" in r.stdout and "# pass " in r.stdout, r.stdout[-2000:]
