"""What a branch says it expects, and the off-script things customers say instead.

The attack starts from the script's own words: a keyword branch's keywords, an intent
branch's script phrases (keywords, synonyms, examples) and the built-in intent phrases the
matcher also hears. Off-script replies are hand-written, labelled with the built-in intent a
global handler would need to hear them (or ``None``: nothing should take them).
"""

from __future__ import annotations

import random
import re

from designer.builtin_phrases import BUILTIN
from designer.model import Branch, Script

__all__ = ["MAX_SEEDS", "BUILTIN_SEEDS", "echo_replies", "OFF_SCRIPT_ZH", "OFF_SCRIPT_EN", "seeds_of", "intent_of"]

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


# Verbs a yes/no question of a marketing call is about. Chinese answers a yes/no question by
# echoing its verb ("您考虑续约吗" -> "续吧" / "不续了"), words no phrase list of affirm/deny holds.
_ECHO_VERBS = ("发短信", "充值", "续约", "续费", "办理", "恢复", "升级", "开通", "交费", "缴费", "预约", "检测",
               "安排", "换成", "更换", "订购", "充", "续", "办", "换", "发", "交", "订", "转", "修")
_SHORT = {"发短信": "发", "充值": "充", "续约": "续", "续费": "续", "办理": "办", "交费": "交", "缴费": "交",
          "换成": "换", "更换": "换", "订购": "订"}
_MODALS = (("需要", "需要", "不需要"), ("要", "要", "不要"), ("能", "能", "不能"), ("愿意", "愿意", "不愿意"),
           ("方便", "方便", "不方便"))


def _question(text: str) -> str:
    """The last question of a prompt (what a yes or no answers)."""
    parts = [p for p in re.split(r"(?<=[。！？?!；;])", text) if p.strip()]
    asks = [p for p in parts if re.search(r"[吗么？?]", p)]
    return (asks or parts or [""])[-1]


_LATER_TIMES = ("明天", "后天", "下礼拜", "过两天", "改天", "这周末", "下个月", "等我回家")


def _verb_of(q: str) -> str | None:
    verb = None
    best = -1
    for v in _ECHO_VERBS:
        i = q.rfind(v)
        if i > best or (i == best and verb is not None and len(v) > len(verb)):
            best, verb = i, v
    return verb if best >= 0 else None


def echo_replies(prompt: str, intent: str | None, rng: random.Random | None = None) -> tuple[str, ...]:
    """Answers that echo the question: its verb or modal for a yes or no ("续吧", "不续了", "要",
    "发给我吧"), a time and the verb for "later" ("明天再充", "改天再说吧")."""
    q = _question(prompt)
    if intent in ("consider_later", "busy_later"):
        r = rng or random.Random(0)
        verb = _verb_of(q)
        times = r.sample(_LATER_TIMES, 3)
        later = [f"{times[0]}再说吧", f"{times[1]}吧"]
        if verb is not None:
            later.append(f"{times[2]}再{_SHORT.get(verb, verb)}")
        return tuple(later)
    if intent not in ("affirm", "deny"):
        return ()
    out: list[str] = []
    verb = _verb_of(q)
    if verb is not None:
        short = _SHORT.get(verb, verb)
        if intent == "affirm":
            out += [f"{short}吧", f"好，{short}吧", f"那就{short}吧", f"{short}", f"{short}一下吧"]
            if short in ("发", "转", "寄"):
                out += [f"{short}给我吧", f"你{short}过来吧"]
        else:
            out += [f"不{short}了", f"不{verb}", f"不{short}", f"先不{short}了"]
    for modal, yes, no in _MODALS:
        if modal in q:
            polite = modal in ("要", "需要")  # "要的" / "不需要了" are said; "能的" is not
            out += ([yes, f"{yes}的"] if polite else [yes]) if intent == "affirm" else ([no, f"{no}了"] if polite else [no])
            break
    return tuple(dict.fromkeys(out))
