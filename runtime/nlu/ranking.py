"""Which of several matching branches the customer meant: score the hits, don't trust branch order.

Built-in phrase lists overlap ("方便的时候再说" holds affirm's "方便"; "需要多少钱" holds
affirm's "需要"), so taking the first branch that matches lets the designer's branch order
decide what the customer said. Instead every branch that matches in the same evidence pass
is scored and the best is tried first:

1. override handlers (opt-out, complaint) first, always — an opt-out is never outranked;
2. when a node branch written in the designer's own words (keywords, regex) matches, it
   comes before the global handlers: the designer wrote those words for this very question
   ("价格" on the node beats the global ask_price's "什么价格");
3. a *demoted* affirm last: an answer that is a question ("需要多少钱", "可以吗？") or a hedge
   ("好的，我再考虑一下", "ok maybe later") is not a plain yes;
4. the longest matched phrase ("方便的时候" beats "方便", "多少钱" beats "需要");
5. branch order only for a true tie.

An affirm that a denial in the same answer contradicts ("好的不需要", "yeah no", "ok, not
interested") is not a candidate at all: it is dropped, so the answer goes to the deny branch
or, without one, to the no-match path — never to the yes path.

Pure functions over small tuples; the matcher feeds them and writes the explanation into ``why``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["AFFIRM", "Cues", "Entry", "Ranked", "answer_cues", "rank"]

# Question form: particles, question words and A-not-A forms ("要不要", "是不是").
_ZH_QUESTION = re.compile(r"吗|多少|什么|怎么|为什么|为啥|哪|啥|咋|几[块元个天号点钱]|是不是|要不要|能不能|"
                          r"可不可以|有没有|会不会|行不行|对不对")
_EN_QUESTION = re.compile(r"^(?:how|what|whats|why|which|when|where|who|whos|is it|are you|can you|could you|"
                          r"will it|would it|does it|do you)\b|\bhow much\b")
# Hedges: the customer agrees to listen, not to buy.
_ZH_HEDGE = re.compile(r"考虑|想想|想一想|看看|再说|以后|回头|改天|过几天|过两天")
_EN_HEDGE = re.compile(r"\b(?:maybe|perhaps|think about|consider|later|not sure|some other time)\b")

AFFIRM = "affirm"


@dataclass(frozen=True, slots=True)
class Cues:
    """What the whole answer says beyond any one phrase; ``denial`` is the denying phrase, if any."""

    question: str = ""
    hedge: str = ""
    denial: str = ""

    @property
    def demotes_affirm(self) -> str:
        """Why an affirm hit ranks below every other hit, or ""."""
        if self.question:
            return f"question '{self.question}'"
        if self.hedge:
            return f"hedge '{self.hedge}'"
        return ""


def answer_cues(norm: str, raw: str, denial: str = "") -> Cues:
    """Cues of one normalised answer (``raw`` keeps the question mark that normalising removes)."""
    m = _ZH_QUESTION.search(norm) or _EN_QUESTION.search(norm)
    question = m.group(0) if m else ("?" if "?" in raw or "？" in raw else "")
    h = _ZH_HEDGE.search(norm) or _EN_HEDGE.search(norm)
    return Cues(question, h.group(0) if h else "", denial)


@dataclass(frozen=True, slots=True)
class Entry:
    """One matching branch: its position among the candidates, whether it is an override, its
    intent name (None for keyword/regex branches), the phrase found and its length in characters."""

    index: int
    override: bool
    scope_global: bool
    own_words: bool  # a keywords/regex branch: the designer's words, not a built-in list
    intent: str | None
    phrase: str
    size: int
    label: str  # "branch deny" / "global handler gh_busy": used in explanations


@dataclass(frozen=True, slots=True)
class Ranked:
    entry: Entry
    note: str  # appended to the branch's ``why``; "" when it was the only hit


def _key(e: Entry, cues: Cues, node_words: bool) -> tuple[int, int, int, int, int]:
    demoted = e.intent == AFFIRM and bool(cues.demotes_affirm)
    behind = node_words and e.scope_global and not e.override
    return (0 if e.override else 1, 1 if behind else 0, 1 if demoted else 0, -e.size, e.index)


def rank(entries: Sequence[Entry], cues: Cues) -> list[Ranked]:
    """Entries best first, each with a note that explains the choice over the runner-up."""
    kept = [e for e in entries if not (e.intent == AFFIRM and cues.denial)]
    dropped = [e for e in entries if e not in kept]
    node_words = any(e.own_words and not e.scope_global for e in kept)
    order = sorted(kept, key=lambda e: _key(e, cues, node_words))
    out: list[Ranked] = []
    for i, e in enumerate(order):
        notes: list[str] = []
        if i == 0:
            notes += [f"{d.label} dropped: affirm contradicted by '{cues.denial}'" for d in dropped]
            if len(order) > 1:
                notes.append(_versus(e, order[1], cues, node_words))
        out.append(Ranked(e, "; ".join(notes)))
    return out


def _versus(win: Entry, other: Entry, cues: Cues, node_words: bool) -> str:
    """Why ``win`` was chosen over the next best hit."""
    kw, ko = _key(win, cues, node_words), _key(other, cues, node_words)
    also = f"{other.label} ('{other.phrase}')"
    if kw[0] < ko[0]:
        return f"override handler before {also}"
    if kw[1] < ko[1]:
        return f"the node's own keywords before {also}"
    if kw[2] < ko[2]:
        return f"preferred to {also}: affirm demoted by {cues.demotes_affirm}"
    if kw[3] < ko[3]:
        return f"longer phrase ({win.size} vs {other.size} characters) than {also}"
    return f"tie with {also} ({win.size} characters): branch order decides"
