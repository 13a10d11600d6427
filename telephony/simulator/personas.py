"""Simulated customers: personas that answer the bot to the point, in Chinese or English.

A persona is a disposition (agreeable, refuser, busy, silent, opt-out, confused, already
done, curious, complainer) turned into one choice per bot turn: say something, press a key, stay silent
or hang up. Replies fit the turn: the persona picks the first intent it prefers that the
bot's current node listens for, and words it from the script's own phrases or from a small
phrasebook of natural answers. Pure: the caller supplies the random stream.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass

from telephony.contract import BotTurn

__all__ = [
    "Persona",
    "PersonaMix",
    "Say",
    "Press",
    "Silent",
    "HangUpNow",
    "CustomerAction",
    "PERSONAS",
    "PHRASEBOOK",
    "choose_reply",
    "language_of",
]

PHRASEBOOK: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "zh": {
        "affirm": ("好的", "可以", "行啊，办吧", "没问题", "嗯，可以的"),
        "deny": ("不需要", "不用了，谢谢", "不要", "算了吧，不需要"),
        "opt_out": ("以后别再给我打电话了", "不要再打了，把我号码删掉"),
        "busy_later": ("我现在在忙，晚点再说", "在开会，回头再说吧"),
        "already_done": ("我已经办过了", "已经交过了"),
        "who_are_you": ("你是谁啊", "你是哪里打来的"),
        "ask_price": ("多少钱", "要收费吗"),
        "repeat": ("你说什么，没听清", "再说一遍"),
        "complaint": ("你们老是打电话，我要投诉",),
        "no_match": ("今天天气不错", "喂喂，信号不好", "我在坐地铁"),
    },
    "en": {
        "affirm": ("yes please", "sure, go ahead", "okay", "yes that is fine"),
        "deny": ("no thanks", "not interested", "no, not now"),
        "opt_out": ("stop calling me", "take me off your list"),
        "busy_later": ("I am busy right now, call me later", "I am in a meeting"),
        "already_done": ("I already paid", "I have already done that"),
        "who_are_you": ("who is this", "who are you"),
        "ask_price": ("how much is it", "what does it cost"),
        "repeat": ("sorry what did you say", "can you repeat that"),
        "complaint": ("I want to make a complaint",),
        "no_match": ("the weather is nice today", "hello, bad line", "I am on the train"),
    },
}


@dataclass(frozen=True, slots=True)
class Say:
    text: str
    delay_s: float  # after the prompt ends; negative = that many seconds before it ends (barge-in)
    intent: str = ""


@dataclass(frozen=True, slots=True)
class Press:
    digits: str
    delay_s: float


@dataclass(frozen=True, slots=True)
class Silent:
    """Says nothing: the bot's silence timer decides what happens next."""


@dataclass(frozen=True, slots=True)
class HangUpNow:
    delay_s: float


CustomerAction = Say | Press | Silent | HangUpNow


@dataclass(frozen=True, slots=True)
class Persona:
    """A disposition with named knobs; shares are probabilities per bot turn."""

    name: str
    prefers: tuple[str, ...]  # intents in order of preference
    reply_delay_s: tuple[float, float] = (0.5, 1.8)
    silence_share: float = 0.0
    barge_in_share: float = 0.0
    hangup_share: float = 0.0
    press: str = "first"  # first | last: which offered DTMF key it presses
    patience_turns: int = 12  # hangs up after this many bot turns
    script_phrase_share: float = 0.5  # how often it uses the script's own wording
    progress: bool = False  # walks through ``prefers`` turn by turn instead of always leading with the first


PERSONAS: Mapping[str, Persona] = {
    p.name: p
    for p in (
        Persona("agreeable", ("affirm", "ask_price"), press="first"),
        Persona("refuser", ("deny",), hangup_share=0.15, press="last", barge_in_share=0.2),
        Persona(
            "busy", ("busy_later", "deny"), reply_delay_s=(0.3, 1.0), barge_in_share=0.5, hangup_share=0.2
        ),
        Persona("silent", (), silence_share=1.0, patience_turns=4),
        Persona("opt_out", ("opt_out", "deny"), barge_in_share=0.3),
        Persona(
            "confused", ("no_match", "repeat", "who_are_you"), reply_delay_s=(1.0, 3.0), silence_share=0.2
        ),
        Persona("already_done", ("already_done", "deny")),
        Persona("curious", ("who_are_you", "ask_price", "affirm"), progress=True),
        Persona("complainer", ("complaint", "deny")),
    )
}


@dataclass(frozen=True, slots=True)
class PersonaMix:
    """Weights of personas in the simulated audience."""

    weights: Mapping[str, float]

    def __post_init__(self) -> None:
        unknown = sorted(set(self.weights) - set(PERSONAS))
        if unknown:
            raise ValueError(f"unknown persona(s) {unknown}; known: {sorted(PERSONAS)}")
        if not self.weights or any(w < 0 for w in self.weights.values()) or sum(self.weights.values()) <= 0:
            raise ValueError("persona weights must be >= 0 with a positive sum")

    @classmethod
    def default(cls) -> PersonaMix:
        return cls(
            {
                "agreeable": 0.28,
                "refuser": 0.22,
                "busy": 0.10,
                "silent": 0.07,
                "opt_out": 0.05,
                "confused": 0.10,
                "already_done": 0.08,
                "curious": 0.08,
                "complainer": 0.02,
            }
        )

    @classmethod
    def only(cls, name: str) -> PersonaMix:
        return cls({name: 1.0})

    def pick(self, rng: random.Random) -> Persona:
        names = sorted(self.weights)
        return PERSONAS[rng.choices(names, weights=[self.weights[n] for n in names])[0]]


_CJK = re.compile(r"[\u4e00-\u9fff]")


def language_of(turn: BotTurn) -> str:
    if turn.language in PHRASEBOOK:
        return turn.language
    return "zh" if _CJK.search(turn.text) else "en"


def _wording(persona: Persona, rng: random.Random, intent: str, turn: BotTurn, lang: str) -> str | None:
    own = tuple(p for p in turn.intents.get(intent, ()) if p.strip())
    book = PHRASEBOOK[lang].get(intent, ())
    if own and (not book or rng.random() < persona.script_phrase_share):
        return rng.choice(own)
    if book:
        return rng.choice(book)
    return None


def choose_reply(persona: Persona, rng: random.Random, turn: BotTurn, turn_index: int) -> CustomerAction:
    """What this customer does after (or during) the bot's turn ``turn_index`` (0-based)."""
    delay = round(rng.uniform(*persona.reply_delay_s), 3)
    if turn_index >= persona.patience_turns or (persona.hangup_share and rng.random() < persona.hangup_share):
        return HangUpNow(delay)
    if not turn.listening:
        return Silent()
    if persona.silence_share and rng.random() < persona.silence_share:
        return Silent()
    if turn.dtmf and persona.name in ("agreeable", "refuser", "curious"):
        return Press(turn.dtmf[0] if persona.press == "first" else turn.dtmf[-1], delay)
    if persona.barge_in_share and rng.random() < persona.barge_in_share:
        delay = -round(rng.uniform(0.5, 2.0), 3)
    lang = language_of(turn)
    prefers = persona.prefers
    if persona.progress and prefers:
        prefers = prefers[min(turn_index, len(prefers) - 1) :]
    offered = [i for i in prefers if i in turn.intents]
    for intent in offered + [i for i in prefers if i not in offered]:
        text = _wording(persona, rng, intent, turn, lang)
        if text:
            return Say(text, delay, intent)
    return Silent()
