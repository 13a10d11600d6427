"""The in-memory form of a ``huashu.script/1`` document.

Frozen dataclasses built from a dict that already passed the JSON Schema
(:func:`designer.schema.schema_errors`). The validator, the QA scorer and the
dialog engine all read this form; the raw dict stays the storage format, so
unknown-but-allowed fields (``layout``, ``metadata``) survive a round trip.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

__all__ = [
    "FORMAT",
    "RETURN_TARGET",
    "NODE_TYPES",
    "LISTENING_TYPES",
    "Branch",
    "IntentDef",
    "IntentRule",
    "Node",
    "Prompt",
    "Script",
    "Settings",
    "Variable",
    "When",
]

FORMAT = "huashu.script/1"
RETURN_TARGET = "@return"
NodeType = Literal["say_listen", "say", "condition", "transfer", "end"]
NODE_TYPES: tuple[str, ...] = ("say_listen", "say", "condition", "transfer", "end")
LISTENING_TYPES: frozenset[str] = frozenset({"say_listen"})
CATEGORIES: tuple[str, ...] = ("success", "failure", "no_intent", "human_follow_up")

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _empty() -> Mapping[str, Any]:
    return _EMPTY


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    type: str = "string"
    example: str | float | None = None
    required: bool = False
    description: str = ""
    default: str | float | None = None  # used when the call has no value for it


@dataclass(frozen=True, slots=True)
class Settings:
    silence_timeout_ms: int = 5000
    max_consecutive_silences: int = 2
    dtmf_timeout_ms: int = 3000
    barge_in: bool = True
    max_turns: int = 30
    max_duration_s: int = 300
    voice: str | None = None
    speech_rate_cps: float | None = None
    forbidden_words: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> Settings:
        d = d or {}
        return cls(
            silence_timeout_ms=int(d.get("silence_timeout_ms", 5000)),
            max_consecutive_silences=int(d.get("max_consecutive_silences", 2)),
            dtmf_timeout_ms=int(d.get("dtmf_timeout_ms", 3000)),
            barge_in=bool(d.get("barge_in", True)),
            max_turns=int(d.get("max_turns", 30)),
            max_duration_s=int(d.get("max_duration_s", 300)),
            voice=d.get("voice"),
            speech_rate_cps=d.get("speech_rate_cps"),
            forbidden_words=tuple(d.get("forbidden_words", ())),
        )


@dataclass(frozen=True, slots=True)
class Prompt:
    text: str = ""
    audio: str | None = None
    mode: str = "tts"

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> Prompt:
        d = d or {}
        return cls(text=d.get("text", ""), audio=d.get("audio"), mode=d.get("mode", "tts"))

    @property
    def is_empty(self) -> bool:
        if self.mode == "recording":
            return not self.audio
        return not self.text.strip() and not self.audio


@dataclass(frozen=True, slots=True)
class When:
    """Exactly one condition of a branch; ``kind`` names which one."""

    kind: str  # intent | keywords | regex | dtmf | event | expr
    value: Any

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> When:
        ((kind, value),) = d.items()
        if kind == "keywords":
            value = tuple(value)
        return cls(kind=kind, value=value)

    def to_dict(self) -> dict[str, Any]:
        return {self.kind: list(self.value) if self.kind == "keywords" else self.value}


@dataclass(frozen=True, slots=True)
class Branch:
    id: str
    when: When
    goto: str
    max_times: int | None = None
    else_goto: str | None = None
    label: str = ""
    tags: tuple[str, ...] = ()
    override: bool = False  # only meaningful on global handlers

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Branch:
        return cls(
            id=d["id"],
            when=When.from_dict(d["when"]),
            goto=d["goto"],
            max_times=d.get("max_times"),
            else_goto=d.get("else_goto"),
            label=d.get("label", ""),
            tags=tuple(d.get("tags", ())),
            override=bool(d.get("override", False)),
        )

    def targets(self) -> Iterator[str]:
        yield self.goto
        if self.else_goto:
            yield self.else_goto


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    type: str
    title: str = ""
    prompt: Prompt = field(default_factory=Prompt)
    barge_in: bool | None = None
    tags: tuple[str, ...] = ()
    score: float = 0.0
    silence_timeout_ms: int | None = None
    dtmf_timeout_ms: int | None = None
    asr_mode: str = "free"
    hotwords: tuple[str, ...] = ()
    branches: tuple[Branch, ...] = ()
    next: str | None = None
    default: str | None = None
    queue: str | None = None
    outcome: str | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Node:
        asr = d.get("asr") or {}
        return cls(
            id=d["id"],
            type=d["type"],
            title=d.get("title", ""),
            prompt=Prompt.from_dict(d.get("prompt")),
            barge_in=d.get("barge_in"),
            tags=tuple(d.get("tags", ())),
            score=float(d.get("score", 0)),
            silence_timeout_ms=d.get("silence_timeout_ms"),
            dtmf_timeout_ms=d.get("dtmf_timeout_ms"),
            asr_mode=asr.get("mode", "free"),
            hotwords=tuple(asr.get("hotwords", ())),
            branches=tuple(Branch.from_dict(b) for b in d.get("branches", ())),
            next=d.get("next"),
            default=d.get("default"),
            queue=d.get("queue"),
            outcome=d.get("outcome"),
        )

    @property
    def listens(self) -> bool:
        return self.type in LISTENING_TYPES

    @property
    def speaks(self) -> bool:
        return self.type != "condition"

    def targets(self) -> Iterator[tuple[str | None, str]]:
        """(branch id or None, target) for every way out of this node."""
        for b in self.branches:
            for t in b.targets():
                yield b.id, t
        if self.next:
            yield None, self.next
        if self.default:
            yield None, self.default


@dataclass(frozen=True, slots=True)
class IntentDef:
    name: str
    keywords: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    regex: tuple[str, ...] = ()
    description: str = ""

    @classmethod
    def from_dict(cls, name: str, d: Mapping[str, Any]) -> IntentDef:
        return cls(
            name=name,
            keywords=tuple(d.get("keywords", ())),
            synonyms=tuple(d.get("synonyms", ())),
            examples=tuple(d.get("examples", ())),
            regex=tuple(d.get("regex", ())),
            description=d.get("description", ""),
        )

    def phrases(self) -> tuple[str, ...]:
        return self.keywords + self.synonyms + self.examples


@dataclass(frozen=True, slots=True)
class IntentRule:
    label: str
    category: str
    priority: int = 100
    when: Mapping[str, Any] = field(default_factory=_empty)
    description: str = ""
    index: int = 0  # position in the file; breaks priority ties

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], index: int = 0) -> IntentRule:
        return cls(
            label=d["label"],
            category=d["category"],
            priority=int(d.get("priority", 100)),
            when=MappingProxyType(dict(d.get("when", {}))),
            description=d.get("description", ""),
            index=index,
        )


@dataclass(frozen=True, slots=True)
class Script:
    id: str
    name: str
    language: str
    start: str
    nodes: tuple[Node, ...]
    settings: Settings = field(default_factory=Settings)
    variables: Mapping[str, Variable] = field(default_factory=_empty)
    global_handlers: tuple[Branch, ...] = ()
    intents: Mapping[str, IntentDef] = field(default_factory=_empty)
    intent_rules: tuple[IntentRule, ...] = ()
    business: str = ""
    description: str = ""
    raw: Mapping[str, Any] = field(default_factory=_empty, compare=False, repr=False)
    by_id: Mapping[str, Node] = field(default_factory=_empty, compare=False, repr=False)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Script:
        """Build from a schema-valid dict. Duplicate node ids keep the first (validation reports them)."""
        nodes = tuple(Node.from_dict(n) for n in d["nodes"])
        by_id: dict[str, Node] = {}
        for n in nodes:
            by_id.setdefault(n.id, n)
        return cls(
            id=d["id"],
            name=d["name"],
            language=d["language"],
            start=d["start"],
            nodes=nodes,
            settings=Settings.from_dict(d.get("settings")),
            variables=MappingProxyType(
                {k: Variable(name=k, **v) for k, v in (d.get("variables") or {}).items()}
            ),
            global_handlers=tuple(Branch.from_dict(b) for b in d.get("global_handlers", ())),
            intents=MappingProxyType(
                {k: IntentDef.from_dict(k, v) for k, v in (d.get("intents") or {}).items()}
            ),
            intent_rules=tuple(IntentRule.from_dict(r, i) for i, r in enumerate(d.get("intent_rules", ()))),
            business=d.get("business", ""),
            description=d.get("description", ""),
            raw=MappingProxyType(dict(d)),
            by_id=MappingProxyType(by_id),
        )

    @property
    def is_chinese(self) -> bool:
        return self.language.lower().startswith(("zh", "cmn", "yue"))

    def node(self, node_id: str) -> Node:
        return self.by_id[node_id]

    def listening_nodes(self) -> Iterator[Node]:
        return (n for n in self.nodes if n.listens)

    def end_nodes(self) -> Iterator[Node]:
        return (n for n in self.nodes if n.type == "end")

    def outcomes(self) -> set[str]:
        return {n.outcome for n in self.nodes if n.outcome}

    def all_tags(self) -> set[str]:
        tags = {t for n in self.nodes for t in n.tags}
        tags |= {t for n in self.nodes for b in n.branches for t in b.tags}
        tags |= {t for b in self.global_handlers for t in b.tags}
        return tags
