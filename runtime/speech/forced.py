"""Second chances for words the closed set rejected on a closed node: the beam's n-best, then
(optionally) forced scoring by likelihood ratio.

Whisper base writes short robotic or noisy Chinese replies as other words ("算啦" -> "做了",
"不办" -> "不犯"), which no pinyin distance recovers. Two ways back, over one shared encoder pass:

* **n-best** (on by default): the :data:`N_BEST` best hypotheses of a 5-beam search go through the
  same closed-set pass and threshold (:func:`from_alternatives`); the first it accepts wins.
* **forced scoring** (off by default): the words Whisper wrote and up to :data:`PER_BRANCH`
  phrases per branch (those that sound most like the words) are aligned with CTranslate2
  (``align``: mean token log-probability after the same start tokens as the free decode), and
  :func:`judge` takes the best branch only when its phrase is nearly as likely as the free
  hypothesis (likelihood ratio >= :data:`MIN_RATIO`; out-of-set audio is where the free
  hypothesis is far likelier than any phrase, -3 to -5 nats on off-script questions), it is
  :data:`MIN_MARGIN` nats ahead of every other branch and >= :data:`MIN_LOGPROB` on its own.

Figures (``bench/bench_forced_fit.py``: 203 replies of ``bench_speech_eval.py``'s corpus at 20 dB
through G.711, Kokoro 99 / espeak 104, 99 of them out of set; features dumped once per reply;
two folds split by listening node, thresholds fitted on one half and the figures taken on the
other, summed; no threshold of the n-best pass is fitted, only N_BEST 3 over 5 was chosen on the
same replies):

============================  =================  =================  ====================
held out                      closed set alone   + n-best 3         + n-best + forced
============================  =================  =================  ====================
in-set, Kokoro                22/40 (55.0 %)     27/40 (67.5 %)     27/40 (67.5 %)
in-set, espeak                15/64 (23.4 %)     20/64 (31.2 %)     20/64 (31.2 %)
out-of-set accepted           1/99               1/99               4/99
============================  =================  =================  ====================

Forced scoring alone (no n-best) gave 22/40 and 17/64 with 2/99 accepted. So forced scoring adds
nothing held out after the n-best and lets replies in: it stays off (``SpeechKit.forced_scoring``,
``huashu asr/chat --forced-scoring``, ``bench_speech_eval.py --forced``). Its constants below are
those fitted on all 203 replies (44.2 % in-set, 1/99; the fitting set, not a held-out figure).
CPU (process time, median, this shared 2-core machine): a turn 1.6 s; on a rejected closed-set
turn (2 in 3 here) the encoder pass ~1.3 s plus the beam ~0.23 s; forced scoring ~0.1 s a phrase
more (~3 s with its encoder pass).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from runtime.nlu.closedset import ClosedSet, Verdict, similarity

__all__ = ["MIN_LOGPROB", "MIN_MARGIN", "MIN_RATIO", "N_BEST", "PER_BRANCH", "ForcedPick", "from_alternatives",
           "judge", "representatives", "rescore"]

MIN_LOGPROB = -3.0  # mean token log-probability of the best phrase
MIN_RATIO = -1.0  # best phrase's mean token log-probability minus the free hypothesis's (nats)
MIN_MARGIN = 2.0  # nats ahead of the best phrase of any other branch
PER_BRANCH = 2  # phrases scored per branch: those that sound most like the hypothesis (bounded work)
N_BEST = 3  # beam hypotheses the closed set tries (5: one more in-set reply, one out-of-set accept)

Scorer = Callable[[Sequence[str]], Mapping[str, float]]
Alternatives = Callable[[int], Sequence[str]]


@dataclass(frozen=True, slots=True)
class ForcedPick:
    """The decoder's best branch for one turn and the three figures that judge it."""

    branch: str
    phrase: str
    logprob: float  # mean token log-probability of ``phrase`` given the audio
    ratio: float  # ``logprob`` minus the free hypothesis's own (0: as likely as what Whisper wrote)
    margin: float  # nats ahead of the best phrase of any other branch

    @property
    def accepted(self) -> bool:
        return self.logprob >= MIN_LOGPROB and self.ratio >= MIN_RATIO and self.margin >= MIN_MARGIN


def representatives(closed: ClosedSet, node_id: str, hypothesis: str = "") -> dict[str, str]:
    """phrase -> branch: up to :data:`PER_BRANCH` phrases (2+ characters) of each branch, those
    that sound most like ``hypothesis`` first, then the shorter."""
    by_branch: dict[str, set[str]] = {}
    for c in closed.candidates(node_id):
        if len(c.phrase) >= 2 and not c.phrase.isascii():
            by_branch.setdefault(c.branch, set()).add(c.phrase)
    out: dict[str, str] = {}
    for branch, phrases in by_branch.items():
        ranked = sorted(phrases, key=lambda p: (-similarity(hypothesis, p) if hypothesis else 0.0, len(p), p))
        for p in ranked[:PER_BRANCH]:
            out.setdefault(p, branch)
    return out


def judge(phrases: Mapping[str, str], scores: Mapping[str, float], free: float | None) -> ForcedPick | None:
    """The best branch by the decoder's scores (phrase -> mean log-probability), with its ratio
    to the free hypothesis's score ``free`` (None: unknown, taken as the best phrase's own) and
    its margin over the other branches. Pure: no model."""
    best: dict[str, tuple[float, str]] = {}
    for p, lp in scores.items():
        b = phrases.get(p)
        if b is not None and lp > best.get(b, (-1e9, ""))[0]:
            best[b] = (lp, p)
    if not best:
        return None
    ranked = sorted(best.items(), key=lambda kv: -kv[1][0])
    branch, (lp, phrase) = ranked[0]
    margin = lp - ranked[1][1][0] if len(ranked) > 1 else 99.0
    ratio = lp - free if free is not None else 0.0
    return ForcedPick(branch, phrase, lp, ratio, margin)


def from_alternatives(closed: ClosedSet, node_id: str, verdict: Verdict, hypotheses: Sequence[str]) -> Verdict | None:
    """The first of the beam's hypotheses the closed set accepts (same pass, same threshold), as
    the turn's verdict; None when it accepts none. Pure: no model."""
    for h in hypotheses[:N_BEST]:
        choice = closed.choose(node_id, h)
        if not choice.rejected:
            return Verdict(verdict.text, choice.confidence, choice.branch,
                           f"closed set on the beam's '{h}': '{choice.phrase}' (similarity {choice.similarity:.2f}, "
                           f"confidence {choice.confidence:.2f}); heard as '{verdict.text}'", choice)
    return None


def rescore(closed: ClosedSet, node_id: str, verdict: Verdict, score: Scorer | None,
            alternatives: Alternatives | None = None) -> Verdict:
    """The verdict, or a better one when the closed set rejected the words on a closed node: first
    from the beam's other hypotheses (``alternatives``), then from forced scoring (``score``)."""
    if verdict.choice is None or not verdict.choice.rejected or closed.is_open(node_id):
        return verdict
    if alternatives is not None:
        found = from_alternatives(closed, node_id, verdict, alternatives(N_BEST))
        if found is not None:
            return found
    if score is None:
        return verdict
    phrases = representatives(closed, node_id, verdict.text)
    if not phrases:
        return verdict
    scores = score([verdict.text, *phrases])
    pick = judge(phrases, scores, scores.get(verdict.text))
    if pick is None:
        return verdict
    figures = (f"'{pick.phrase}' ({pick.branch}) log-prob {pick.logprob:.2f}, {pick.ratio:+.2f} against the "
               f"words heard, {pick.margin:.2f} ahead of the next branch")
    if not pick.accepted:
        return replace(verdict, note=f"{verdict.note}; forced scoring: {figures}: not sure enough")
    conf = min(1.0, 0.6 + 0.1 * (pick.margin - MIN_MARGIN))
    return Verdict(verdict.text, conf, pick.branch,
                   f"forced scoring: the decoder finds {figures}; heard as '{verdict.text}'", verdict.choice)
