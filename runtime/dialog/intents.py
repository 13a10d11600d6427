"""Map a finished call to the script's intent label and category (成功1, 失败, ...).

Rules are tried by ``priority`` (lower wins; file order breaks ties); a rule holds when all
its conditions hold, and an empty ``when`` always holds. When none holds the call is
"无意向"/"no intent".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from designer.model import IntentRule, Script
from runtime.dialog.record import NO_INTENT, IntentResult

__all__ = ["CallFacts", "IntentResult", "map_intent", "rule_holds", "fallback_intent"]


class _Facts(Protocol):
    @property
    def path(self) -> Sequence[str]: ...
    @property
    def tags(self) -> Sequence[str]: ...
    @property
    def score(self) -> float: ...
    @property
    def outcome(self) -> str | None: ...
    @property
    def duration_ms(self) -> int: ...
    @property
    def customer_spoke(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class CallFacts:
    """What intent rules can see of a call (a :class:`CallRecord` has the same attributes)."""

    path: Sequence[str] = ()
    tags: Sequence[str] = ()
    score: float = 0.0
    outcome: str | None = None
    duration_ms: int = 0
    customer_spoke: bool = False


def fallback_intent(script: Script) -> IntentResult:
    if script.is_chinese:
        return NO_INTENT
    return IntentResult("no intent", "no_intent")


def rule_holds(when: Mapping[str, Any], facts: _Facts) -> bool:
    nodes = set(facts.path)
    tags = set(facts.tags)
    for key, want in when.items():
        if key == "nodes_any" and not nodes.intersection(want):
            return False
        if key == "nodes_all" and not nodes.issuperset(want):
            return False
        if key == "tags_any" and not tags.intersection(want):
            return False
        if key == "tags_all" and not tags.issuperset(want):
            return False
        if key == "score_min" and facts.score < want:
            return False
        if key == "score_max" and facts.score > want:
            return False
        if key == "outcome":
            allowed = [want] if isinstance(want, str) else list(want)
            if facts.outcome not in allowed:
                return False
        if key == "min_duration_s" and facts.duration_ms < want * 1000:
            return False
        if key == "customer_spoke" and bool(facts.customer_spoke) != bool(want):
            return False
    return True


def _ordered(rules: Sequence[IntentRule]) -> list[IntentRule]:
    return sorted(rules, key=lambda r: (r.priority, r.index))


def map_intent(script: Script, facts: _Facts) -> IntentResult:
    for rule in _ordered(script.intent_rules):
        if rule_holds(rule.when, facts):
            return IntentResult(rule.label, rule.category, rule.index)
    return fallback_intent(script)
