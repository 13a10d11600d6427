"""When a turn may end before the full end-of-turn silence: a pure rule with named thresholds.

The endpointer waits ``speech_end_silence_ms`` (600 ms) of silence before it says the customer
is done, so a short people never cut off mid-sentence. Most answers to a closed question are
one phrase ("好的", "不需要"): when the recogniser's result for the audio so far is already one
of the node's phrases with high confidence, a pause of :attr:`EarlyTurnConfig.end_after_ms`
is enough (360 ms: a comma's pause inside a sentence is shorter). A whole-utterance recogniser (Whisper) cannot stream, so the :class:`~runtime.calls.
listening.Ear` decodes *speculatively* in a worker once the pause reaches
:attr:`~EarlyTurnConfig.speculate_after_ms`, while the customer may still go on; speech that
resumes makes that result stale. Open nodes (regex / expression branches: amounts, dates) and
ambiguous answers keep the long silence. Even when the turn does not end early, a speculative
result that is still current when the silence runs out is used as the final one, so the
decode has already happened during the pause.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["EarlyTurnConfig", "Step", "next_step"]

Step = Literal["wait", "speculate", "end"]


@dataclass(frozen=True, slots=True)
class EarlyTurnConfig:
    speculate_after_ms: int = 140  # a pause this long starts a speculative decode (7 frames)
    # and this long ends the turn if that decode is a confident match. 240 ms cut off 1 of 3 replies
    # with a 300 ms pause after a first phrase ("好的，[300 ms] 不过我想问一下价格") in the eval; 360 ms
    # cut off none and still saves 240 ms of the 600 ms silence.
    end_after_ms: int = 360
    min_confidence: float = 0.85  # closed-set confidence: the whole answer is (nearly) one phrase
    min_speech_ms: int = 300  # a shorter burst is a cough or "嗯": never ended early


def next_step(cfg: EarlyTurnConfig, pause_ms: int, speech_ms: int, speculating: bool,
              confident: bool | None) -> Step:
    """What to do at this frame of a pause inside an utterance.

    ``speculating``: a decode of the audio up to this pause is running or done;
    ``confident``: None while it runs, else whether its result matched one branch with at least
    ``min_confidence`` on a closed node."""
    if pause_ms < cfg.speculate_after_ms or speech_ms < cfg.min_speech_ms:
        return "wait"
    if not speculating:
        return "speculate"
    if pause_ms >= cfg.end_after_ms and confident:
        return "end"
    return "wait"
