"""The closed-set second pass scores pinyin: an English reply it cannot place (an English script,
or a customer answering in English) goes to the ordinary matcher instead of being rejected."""

from __future__ import annotations

import json
from pathlib import Path

from designer.model import Script
from runtime.nlu.closedset import ClosedSet, decide

LIBRARY = Path(__file__).resolve().parents[2] / "scripts_library"


def test_an_english_reply_passes_through_to_the_matcher() -> None:
    script = Script.from_dict(json.loads((LIBRARY / "en_bill_reminder.json").read_text(encoding="utf-8")))
    closed = ClosedSet(script)
    node = next(n for n in script.nodes if n.branches)
    verdict = decide(closed, node.id, "Yes, I would like that", 0.9, False)
    assert verdict.branch_hint is None and verdict.confidence == 0.9 and verdict.choice is not None
