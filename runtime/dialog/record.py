"""The call record the engine writes as it goes: path, turns, tags, score, ending, intent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["CallRecord", "Turn", "IntentResult", "NO_INTENT"]


@dataclass(frozen=True, slots=True)
class IntentResult:
    label: str
    category: str
    rule_index: int | None = None  # which intent_rules entry decided; None for the fallback

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "category": self.category}


NO_INTENT = IntentResult("无意向", "no_intent")


@dataclass(frozen=True, slots=True)
class Turn:
    """One turn of the conversation: what the bot said, what came back, and which branch it chose and why.

    ``kind`` is speech | dtmf | silence | dtmf_timeout for a customer turn; ``branch`` is None when
    nothing matched and the node had no path for it. Prompts nobody answered are turns too, with
    ``customer`` None: ``prompt`` for a prompt that does not wait for an answer (a ``say`` node, a
    goodbye, a transfer announcement; ``at_ms`` is when it began) and ``no_answer`` for a question
    the call ended on (the customer hung up, the time ran out; ``at_ms`` is when it began).
    """

    node: str
    bot: str
    customer: str | None
    confidence: float
    branch: str | None
    why: str
    at_ms: int
    kind: str = "speech"

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "bot": self.bot, "customer": self.customer, "confidence": self.confidence,
                "branch": self.branch, "why": self.why, "at_ms": self.at_ms, "kind": self.kind}


@dataclass(slots=True)
class CallRecord:
    """Mutable while the call runs (the engine appends); read it when ``engine.finished``."""

    script_id: str = ""
    path: list[str] = field(default_factory=list)
    path_times: list[int] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    score: float = 0.0
    ended_by: str | None = None
    outcome: str | None = None
    duration_ms: int = 0
    customer_spoke: bool = False
    intent: IntentResult = NO_INTENT
    transferred_to: str | None = None

    @property
    def customer_turns(self) -> list[Turn]:
        """The turns the customer took (speech, keys, silences): ``turns`` without unanswered prompts."""
        return [t for t in self.turns if t.customer is not None]

    @property
    def last_node(self) -> str | None:
        return self.path[-1] if self.path else None

    def add_tag(self, tag: str) -> bool:
        if tag in self.tags:
            return False
        self.tags.append(tag)
        return True

    def to_dict(self) -> dict[str, Any]:
        score: float | int = int(self.score) if float(self.score).is_integer() else self.score
        return {
            "script": self.script_id,
            "path": list(self.path),
            "path_times": list(self.path_times),
            "turns": [t.to_dict() for t in self.turns],
            "tags": list(self.tags),
            "score": score,
            "ended_by": self.ended_by,
            "outcome": self.outcome,
            "duration_ms": self.duration_ms,
            "customer_spoke": self.customer_spoke,
            "transferred_to": self.transferred_to,
            "intent": self.intent.to_dict(),
        }
