"""The Python examples in docs/speech.md run (those that are complete programs)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "speech.md"


@pytest.mark.audio
def test_cache_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    runnable = [b for b in blocks if b.startswith("from ")]
    assert runnable, "docs/speech.md lost its runnable example"
    for block in runnable:
        exec(compile(block, str(DOC), "exec"), {})
