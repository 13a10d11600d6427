"""What a branch says it expects, and the off-script things customers say instead.

The attack starts from the script's own words: a keyword branch's keywords, an intent
branch's script phrases (keywords, synonyms, examples) and the built-in intent phrases the
matcher also hears. Off-script replies are hand-written, labelled with the built-in intent a
global handler would need to hear them (or ``None``: nothing should take them).
"""

from __future__ import annotations

import random

from designer.builtin_phrases import BUILTIN
from designer.model import Branch, Script

__all__ = ["MAX_SEEDS", "BUILTIN_SEEDS", "OFF_SCRIPT_ZH", "OFF_SCRIPT_EN", "seeds_of", "intent_of"]

MAX_SEEDS = 8  # the script's own phrases per branch (a seeded sample when it has more)
BUILTIN_SEEDS = 6  # built-in intent phrases per intent branch, drawn independently of the script's own

# (reply, built-in intent that should hear it, or None: no branch should take it)
OFF_SCRIPT_ZH: tuple[tuple[str, str | None], ...] = (
    ("你是哪里啊", "who_are_you"), ("你们是什么公司的", "who_are_you"), ("你是机器人吧", "who_are_you"),
    ("这个要钱吗", "ask_price"), ("一个月多少钱啊", "ask_price"),
    ("你刚才说什么", "repeat"), ("没听清，再说一遍", "repeat"),
    ("你们天天打烦不烦，我要投诉", "complaint"), ("你们这是诈骗吧", "complaint"),
    ("我在开车，回头再说", "busy_later"), ("在开会呢", "busy_later"),
    ("以后别给我打电话了", "opt_out"),
    ("喂？喂？", None), ("那个……", None), ("等一下我问问我老婆", None), ("你说的这个我不太懂", None),
)
OFF_SCRIPT_EN: tuple[tuple[str, str | None], ...] = (
    ("who is this", "who_are_you"), ("what company are you with", "who_are_you"),
    ("how much does it cost", "ask_price"), ("sorry, say that again?", "repeat"),
    ("this is a scam, I'll report you", "complaint"), ("I'm driving, call me later", "busy_later"),
    ("stop calling me", "opt_out"), ("hello? hello?", None), ("hang on, let me ask my wife", None),
)


def intent_of(b: Branch) -> str | None:
    return b.when.value if b.when.kind == "intent" else None


def seeds_of(script: Script, b: Branch, rng: random.Random) -> list[str]:
    """The phrases a branch claims to hear: up to :data:`MAX_SEEDS` of the script's own, plus
    :data:`BUILTIN_SEEDS` built-in ones drawn by their own generator, so that adding a phrase
    to the script does not reshuffle which built-in phrases are tried. Empty for regex / expr /
    event branches (nothing says what they expect)."""
    if b.when.kind == "keywords":
        own = list(dict.fromkeys(b.when.value))
        return own if len(own) <= MAX_SEEDS else rng.sample(own, MAX_SEEDS)
    if b.when.kind != "intent":
        return []
    name = b.when.value
    own_def = script.intents.get(name)
    own = list(dict.fromkeys(own_def.phrases())) if own_def is not None else []
    if len(own) > MAX_SEEDS:
        own = rng.sample(own, MAX_SEEDS)
    builtin = BUILTIN.get(name)
    pool: list[str] = []
    if builtin is not None:
        pool = list(builtin.zh) if script.is_chinese else list(builtin.en) + list(builtin.en_whole)
    pool = list(dict.fromkeys(pool))
    picked = pool if len(pool) <= BUILTIN_SEEDS else random.Random(rng.random()).sample(pool, BUILTIN_SEEDS)
    return own + [p for p in picked if p not in own]
