"""Intent mapping: rules in priority order, all conditions must hold, a clear fallback."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from designer.model import Script
from runtime.dialog.intents import CallFacts, map_intent


def script(rules: list[dict[str, Any]], language: str = "zh-CN") -> Script:
    return Script.from_dict({
        "format": "huashu.script/1", "id": "t", "name": "t", "language": language, "start": "e",
        "nodes": [{"id": "e", "type": "end"}], "intent_rules": rules,
    })


def test_lower_priority_number_wins_and_file_order_breaks_ties() -> None:
    s = script([
        {"label": "late", "category": "failure", "priority": 5, "when": {}},
        {"label": "first", "category": "success", "priority": 1, "when": {"tags_any": ["a"]}},
        {"label": "tie", "category": "success", "priority": 1, "when": {"tags_any": ["a"]}},
    ])
    assert map_intent(s, CallFacts(tags=["a"])).label == "first"
    assert map_intent(s, CallFacts(tags=["b"])).label == "late"


def test_all_conditions_must_hold() -> None:
    s = script([{"label": "hot", "category": "success", "when": {
        "nodes_all": ["a", "b"], "tags_all": ["x"], "score_min": 10, "score_max": 50,
        "min_duration_s": 20, "customer_spoke": True, "outcome": ["ok", "fine"]}}])
    good = CallFacts(path=["a", "b"], tags=["x", "y"], score=30, outcome="ok", duration_ms=25000,
                     customer_spoke=True)
    assert map_intent(s, good).label == "hot"
    for change in ({"path": ["a"]}, {"tags": ["y"]}, {"score": 5}, {"score": 60}, {"duration_ms": 1000},
                   {"customer_spoke": False}, {"outcome": "bad"}):
        assert map_intent(s, replace(good, **change)).category == "no_intent", change


def test_nodes_any_and_tags_any() -> None:
    s = script([{"label": "seen", "category": "human_follow_up", "when": {"nodes_any": ["x", "y"]}}])
    assert map_intent(s, CallFacts(path=["a", "y"])).label == "seen"
    assert map_intent(s, CallFacts(path=["a"])).label == "无意向"


def test_fallback_per_language() -> None:
    assert map_intent(script([]), CallFacts()).to_dict() == {"label": "无意向", "category": "no_intent"}
    assert map_intent(script([], "en-US"), CallFacts()).to_dict() == {"label": "no intent",
                                                                      "category": "no_intent"}
