"""What the bot just said and listens for, as a :class:`~telephony.contract.BotTurn` for simulated customers.

Built from the engine's Play/Listen actions and the script: which intents the listening
node's branches (and the global handlers) react to, with the phrases the script defines for
them, which keywords and which keys. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from designer.model import Script
from runtime.dialog.actions import Listen, Play
from telephony.contract import BotTurn

__all__ = ["bot_turn_for", "language_code"]


def language_code(script: Script) -> str:
    return "zh" if script.language.lower().startswith("zh") else "en"


def _as_tuple(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence):
        return tuple(str(v) for v in value)
    return (str(value),)


def bot_turn_for(script: Script, plays: Sequence[Play], listen: Listen | None) -> BotTurn | None:
    """The turn for one batch of engine actions; None when the batch neither speaks nor listens."""
    if not plays and listen is None:
        return None
    node_id = listen.node_id if listen is not None else plays[-1].node_id
    intents: dict[str, tuple[str, ...]] = {}
    keywords: list[str] = []
    dtmf: list[str] = []
    node = script.by_id.get(node_id)
    if listen is not None and node is not None:
        for br in (*node.branches, *script.global_handlers):
            kind, value = br.when.kind, br.when.value
            if kind == "intent":
                name = str(value)
                d = script.intents.get(name)
                phrases = (*d.examples, *d.keywords, *d.synonyms) if d is not None else ()
                intents.setdefault(name, tuple(phrases))
            elif kind == "keywords":
                keywords.extend(_as_tuple(value))
            elif kind == "dtmf":
                dtmf.extend(d for d in _as_tuple(value) if d)
    return BotTurn(
        node_id=node_id,
        text=" ".join(p.text for p in plays),
        listening=listen is not None,
        intents=intents,
        keywords=tuple(keywords),
        dtmf=tuple(dict.fromkeys(dtmf)),
        play_id=plays[-1].play_id if plays else None,
        language=language_code(script),
    )
