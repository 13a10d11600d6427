"""Closed-set recognition: pick the node's expected answer the recogniser's words sound like.

At a listening node the script says what it expects: the node's keyword branches, its intent
branches' phrases (the script's own and the built-in ones), and the global handlers (opt-out,
complaint ...). Whisper on 8 kHz Chinese gets ~30 % of characters wrong, but mostly into
homophones and near-homophones ("冲值" for "充值", "号的" for "好的"), so a second pass scores
every candidate phrase against the hypothesis by a **tone-aware pinyin edit distance** and
picks the branch of the closest one, with a confidence that also falls when two branches are
nearly as close. Below :data:`ACCEPT_AT` the turn is rejected to no-match instead of guessing.

Substitution costs between two syllables (one character each): same toned syllable 0; same
syllable, other tone 0.2; a usual confusion (zh/z, n/l, an/ang ...; :func:`fold_syllable`)
0.4; anything else 1. Insertions and deletions cost 1, of a negation syllable (不, 没, 别) 2. Fillers (嗯, 啊, 呃 ...) and courtesy
words (谢谢, 你好, 喂 ...) are dropped first. Similarity is ``1 - distance / max(len)``: a whole-answer match,
so an off-script question that merely *contains* "可以" scores low.

Pure functions over small tuples: no recogniser, no clock. The threshold is chosen on the
evaluation corpus (``bench/bench_speech_eval.py`` prints accuracy and false accepts per
threshold).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from designer.builtin_phrases import BUILTIN
from designer.model import Node, Script
from designer.textfold import has_cjk, is_cjk, normalize
from runtime.nlu.pinyin import fold_syllable
from runtime.nlu.utterance import FILLERS

__all__ = ["ACCEPT_AT", "CLEAR_MARGIN", "Candidate", "Choice", "ClosedSet", "Verdict", "calibrated", "decide",
           "node_candidates", "similarity"]

ACCEPT_AT = 0.6  # calibrated confidence at or above which a choice is accepted
CLEAR_MARGIN = 0.15  # a runner-up branch this far behind does not lower the confidence
REJECT_BELOW = 0.5  # runtime.nlu.matcher.MIN_CONFIDENCE: below it the engine takes no-match
_TONE_COST = 0.2
_NEGATION_COST = 2.0
_NEGATORS = frozenset({"bu4", "bu2", "mei2", "bie2"})
_FOLD_COST = 0.4
_MAX_CANDIDATES = 400  # per node: bounded work per turn whatever the script holds
_MAX_HYPOTHESIS = 40  # characters scored; a longer answer is not a closed-set answer


@dataclass(frozen=True, slots=True)
class Candidate:
    """One phrase a node expects, and where it leads. ``source`` says why it is expected."""

    phrase: str
    branch: str
    scope: str  # "node" | "global"
    source: str  # "keywords" | "intent:<name>" | "builtin:<name>"

    def to_dict(self) -> dict[str, str]:
        return {"phrase": self.phrase, "branch": self.branch, "scope": self.scope, "source": self.source}


@dataclass(frozen=True, slots=True)
class Choice:
    """The second pass's verdict on one hypothesis."""

    hypothesis: str
    branch: str | None
    phrase: str
    similarity: float
    runner_up: float  # best similarity of any *other* branch
    confidence: float
    rejected: bool
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {"hypothesis": self.hypothesis, "branch": self.branch, "phrase": self.phrase,
                "similarity": round(self.similarity, 3), "runner_up": round(self.runner_up, 3),
                "confidence": round(self.confidence, 3), "rejected": self.rejected, "reason": self.reason}


@lru_cache(maxsize=32768)
def _syllable(ch: str) -> tuple[str, str, str]:
    """(toned, toneless, folded) syllable of one character; a non-CJK character is itself."""
    from pypinyin import Style, lazy_pinyin
    if not is_cjk(ch):
        return ch, ch, ch
    toned = lazy_pinyin(ch, style=Style.TONE3, neutral_tone_with_five=True)[0]
    plain = toned.rstrip("12345")
    return toned, plain, fold_syllable(plain)


# Courtesy and hesitation words around an answer ("不需要，谢谢", "喂，你好，是的"): not the answer.
_COURTESY = re.compile(r"谢谢你|谢谢您|谢谢|多谢|谢了|不好意思|你好|您好|喂|那个|就是说")


@lru_cache(maxsize=8192)
def _units(text: str) -> tuple[tuple[str, str, str], ...]:
    """The text as syllables: normalised, courtesy words, fillers and spaces out (a phrase made only
    of them, such as "谢谢", is kept as it is)."""
    norm = _COURTESY.sub("", normalize(text)) or normalize(text)
    return tuple(_syllable(c) for c in norm if not c.isspace() and c not in FILLERS)


def _sub_cost(a: tuple[str, str, str], b: tuple[str, str, str]) -> float:
    if a[0] == b[0]:
        return 0.0
    if a[1] == b[1]:
        return _TONE_COST
    if a[2] == b[2]:
        return _FOLD_COST
    return 1.0


def _gap(x: tuple[str, str, str]) -> float:
    """Inserting or dropping a syllable costs 1; a negation (不 / 没 / 别, or a homophone the
    recogniser wrote for it) costs 2: "不明白" is not "明白" with a little noise."""
    return _NEGATION_COST if x[0] in _NEGATORS else 1.0


def _distance(a: tuple[tuple[str, str, str], ...], b: tuple[tuple[str, str, str], ...]) -> float:
    prev = [0.0]
    for y in b:
        prev.append(prev[-1] + _gap(y))
    for x in a:
        cur = [prev[0] + _gap(x)] + [0.0] * len(b)
        for j, y in enumerate(b, 1):
            cur[j] = min(prev[j] + _gap(x), cur[j - 1] + _gap(y), prev[j - 1] + _sub_cost(x, y))
        prev = cur
    return prev[-1]


def similarity(hypothesis: str, phrase: str) -> float:
    """0..1: how much the hypothesis sounds like the phrase, as a whole answer."""
    a, b = _units(hypothesis)[:_MAX_HYPOTHESIS], _units(phrase)
    if not a or not b:
        return 0.0
    return max(0.0, 1.0 - _distance(a, b) / max(len(a), len(b)))


def node_candidates(script: Script, node: Node) -> tuple[Candidate, ...]:
    """Every phrase ``node`` can branch on, override handlers first, then the node's branches,
    then the other global handlers (the matcher's order). Regex, expression, DTMF and event
    branches have no phrases: a node with regex or expression branches is *open*
    (see :meth:`ClosedSet.is_open`)."""
    out: list[Candidate] = []
    seen: set[tuple[str, str]] = set()
    overrides = [b for b in script.global_handlers if b.override]
    others = [b for b in script.global_handlers if not b.override]
    for scope, branches in (("global", overrides), ("node", node.branches), ("global", others)):
        for b in branches:
            for phrase, source in _branch_phrases(script, b.when.kind, b.when.value):
                key = (phrase, b.id)
                if phrase and key not in seen:
                    seen.add(key)
                    out.append(Candidate(phrase, b.id, scope, source))
    return tuple(out[:_MAX_CANDIDATES])


def _branch_phrases(script: Script, kind: str, value: object) -> list[tuple[str, str]]:
    if kind == "keywords" and isinstance(value, list | tuple):
        return [(str(p).strip(), "keywords") for p in value]
    if kind != "intent" or not isinstance(value, str):
        return []
    out: list[tuple[str, str]] = []
    own = script.intents.get(value)
    if own is not None:
        out += [(p.strip(), f"intent:{value}") for p in own.phrases()]
    builtin = BUILTIN.get(value)
    if builtin is not None:
        out += [(p.strip(), f"builtin:{value}") for p in (builtin.zh if script.is_chinese else builtin.en)]
    return out


class ClosedSet:
    """The second pass for one script: candidates per listening node, computed once."""

    def __init__(self, script: Script, accept_at: float = ACCEPT_AT) -> None:
        self.script = script
        self.accept_at = accept_at
        self._cands: dict[str, tuple[Candidate, ...]] = {}
        self._open: dict[str, bool] = {}

    def candidates(self, node_id: str) -> tuple[Candidate, ...]:
        found = self._cands.get(node_id)
        if found is None:
            node = self.script.by_id.get(node_id)
            found = node_candidates(self.script, node) if node is not None else ()
            self._cands[node_id] = found
        return found

    def is_open(self, node_id: str) -> bool:
        """Whether the node also takes answers no phrase list holds (regex / expression branches:
        amounts, dates, free text); there a rejection by this pass must not become no-match."""
        found = self._open.get(node_id)
        if found is None:
            node = self.script.by_id.get(node_id)
            found = node is not None and any(b.when.kind in ("regex", "expr") for b in node.branches)
            self._open[node_id] = found
        return found

    def choose(self, node_id: str, hypothesis: str) -> Choice:
        """Score every candidate; the best branch, its calibrated confidence, and the verdict."""
        best: dict[str, tuple[float, str]] = {}
        for c in self.candidates(node_id):
            s = similarity(hypothesis, c.phrase)
            if s > best.get(c.branch, (-1.0, ""))[0]:
                best[c.branch] = (s, c.phrase)
        if not best or not _units(hypothesis):
            return Choice(hypothesis, None, "", 0.0, 0.0, 0.0, True,
                          "nothing to compare" if not best else "only fillers or nothing heard")
        ranked = sorted(best.items(), key=lambda kv: -kv[1][0])
        branch, (sim, phrase) = ranked[0]
        runner = ranked[1][1][0] if len(ranked) > 1 else 0.0
        conf = calibrated(sim, runner)
        if conf >= self.accept_at:
            return Choice(hypothesis, branch, phrase, sim, runner, conf, False, "")
        why = (f"closest phrase '{phrase}' ({branch}) sounds {sim:.2f} alike"
               if sim < self.accept_at else
               f"'{phrase}' ({branch}) {sim:.2f} but another branch {runner:.2f}: too close to tell")
        return Choice(hypothesis, branch, phrase, sim, runner, conf, True,
                      f"{why}; confidence {conf:.2f} < {self.accept_at:.2f}")


def calibrated(similarity_best: float, runner_up: float) -> float:
    """The best similarity, lowered when another branch is almost as close (a coin toss between
    yes and no is not a confident yes): full value at a margin of :data:`CLEAR_MARGIN`, down to
    70 % of it at no margin."""
    margin = max(0.0, similarity_best - runner_up)
    factor = min(1.0, 0.7 + 0.3 * margin / CLEAR_MARGIN)
    return similarity_best * factor


@dataclass(frozen=True, slots=True)
class Verdict:
    """What goes to the dialog engine for one recognised turn.

    ``branch_hint`` is the branch the closed set chose (the engine takes it when it may still
    fire); ``confidence`` 0.0 sends the turn to no-match; ``note`` explains either in the turn's
    ``why``. ``text`` stays the recogniser's hypothesis, so the transcript shows what was heard."""

    text: str
    confidence: float
    branch_hint: str | None
    note: str
    choice: Choice | None

    @property
    def rejected(self) -> bool:
        """The turn goes to no-match: no branch chosen and a confidence the matcher will not trust."""
        return self.branch_hint is None and self.confidence < REJECT_BELOW


def decide(closed: ClosedSet, node_id: str, text: str, asr_confidence: float, asr_rejected: bool) -> Verdict:
    """Apply the second pass to one recognition (already judged by the recogniser itself)."""
    if asr_rejected or not text.strip():
        return Verdict(text, asr_confidence, None, "", None)
    choice = closed.choose(node_id, text)
    if not choice.rejected:
        note = (f"closed set: heard '{choice.hypothesis}' as '{choice.phrase}' (similarity "
                f"{choice.similarity:.2f}, next branch {choice.runner_up:.2f}, confidence {choice.confidence:.2f})")
        return Verdict(text, max(asr_confidence, choice.confidence), choice.branch, note, choice)
    if closed.is_open(node_id):  # amounts, dates, free text: the matcher's regex / expressions decide
        return Verdict(text, asr_confidence, None, "", choice)
    if not has_cjk(text):  # pinyin distance says little about English words: the matcher decides
        return Verdict(text, asr_confidence, None, "", choice)
    return Verdict(text, 0.0, None, f"closed set rejected: {choice.reason}", choice)
