"""What a listening node expects to hear, as phrases for the recogniser.

vosk's grammar mode and Whisper's hotwords both work best with the short list of answers a
node can branch on: the node's own ``asr.hotwords`` first, then its keyword branches, then
the phrases of its intents (the script's own, then the built-in ones in the script's
language). Global handlers come last so opt-out and complaints stay recognisable.
"""

from __future__ import annotations

from designer.model import Node, Script

__all__ = ["expected_phrases", "hotwords_for", "call_hotwords", "asr_language"]


def asr_language(script: Script) -> str:
    """``zh-CN`` -> ``zh``: the language code recognisers take."""
    return script.language.split("-")[0].lower()


def expected_phrases(script: Script, node: Node, limit: int = 60, builtin: bool = True) -> tuple[str, ...]:
    """``builtin=False`` leaves out the generic built-in intent phrases: as Whisper hotwords
    they are too many and make it hallucinate them (measured: 60 hotwords turned robotic
    "不用了" into "已缴费"); use :func:`hotwords_for` there."""
    from designer.builtin_phrases import BUILTIN

    zh = script.is_chinese
    out: list[str] = []

    def add(phrases: tuple[str, ...] | list[str]) -> None:
        for p in phrases:
            p = p.strip()
            if p and p not in out:
                out.append(p)

    add(node.hotwords)
    for branches in (node.branches, script.global_handlers):
        for b in branches:
            if b.when.kind == "keywords":
                add(list(b.when.value))
        for b in branches:
            if b.when.kind != "intent":
                continue
            own = script.intents.get(b.when.value)
            if own is not None:
                add(own.phrases())
            found = BUILTIN.get(b.when.value) if builtin else None
            if found is not None:
                add(found.zh if zh else found.en)
    return tuple(out[:limit])


def hotwords_for(script: Script, node: Node) -> tuple[str, ...]:
    """Whisper hotwords for a node: its own hotwords, keywords and the script's intent phrases."""
    return expected_phrases(script, node, limit=20, builtin=False)


CALL_HOTWORDS = 8  # a handful: dozens of hotwords make Whisper hallucinate them (see above)


def call_hotwords(script: Script, node: Node) -> tuple[str, ...]:
    """The hotwords a call passes to the recogniser on ``node``, derived from the script once per
    version: the node's own ``asr.hotwords``, then its keyword branches' words, at most
    :data:`CALL_HOTWORDS`. Intent phrases stay out (they are many and generic); the closed-set
    pass (:mod:`runtime.nlu.closedset`) is where they count."""
    out: list[str] = []
    for p in list(node.hotwords) + [w for b in node.branches if b.when.kind == "keywords" for w in b.when.value]:
        p = p.strip()
        if p and p not in out:
            out.append(p)
    return tuple(out[:CALL_HOTWORDS])
