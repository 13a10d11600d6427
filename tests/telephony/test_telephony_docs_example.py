"""The call-session example in docs/telephony.md runs and prints what its comment says."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_docs_example_runs() -> None:
    text = (ROOT / "docs" / "telephony.md").read_text()
    (code,) = re.findall(r"```python\n(.*?)```", text, re.S)
    expected = re.search(r"# (connected \[.*\])", code)
    assert expected is not None
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "docs/telephony.md", "exec"), {"__name__": "docs_example"})
    finally:
        os.chdir(cwd)
    assert out.getvalue().strip() == expected.group(1)
