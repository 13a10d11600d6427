"""Whether to trust a recognition: pure rules with named thresholds.

A grammar forces every sound onto grammar words, and the Korean vosk model has no ``[unk]``
to absorb the rest, so out-of-grammar speech comes back as grammar words — often with full
confidence. Two rules catch it: the words must form exactly one of the expected phrases
(vosk's grammar lets words recombine: "감사합니다" came back as "네 아니요 네"), and the
mean / weakest word confidence must pass a threshold. Measured on espeak Korean through
G.711 (tests/speech/test_speech_vosk.py): no out-of-grammar utterance accepted; in-grammar
single words accepted; longer in-grammar phrases are sometimes rejected, because espeak's
Korean is hard to recognise even without a grammar. A rejection becomes ``no_match``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

__all__ = ["RejectionPolicy", "GRAMMAR_POLICY", "FREE_POLICY", "verdict"]


@dataclass(frozen=True, slots=True)
class RejectionPolicy:
    min_mean_confidence: float
    min_word_confidence: float
    whole_phrase: bool = False  # the words must equal one expected phrase


GRAMMAR_POLICY = RejectionPolicy(min_mean_confidence=0.7, min_word_confidence=0.5, whole_phrase=True)
FREE_POLICY = RejectionPolicy(min_mean_confidence=0.5, min_word_confidence=0.0)


def verdict(
    text: str, confidences: Sequence[float], policy: RejectionPolicy, phrases: Collection[str] = ()
) -> tuple[bool, str]:
    """(rejected, reason). Empty text is always rejected: nothing was understood."""
    if not text.strip() or not confidences:
        return True, "nothing recognised"
    if policy.whole_phrase and phrases and " ".join(text.split()) not in phrases:
        return True, "words do not form one expected phrase (forced onto the grammar)"
    mean = sum(confidences) / len(confidences)
    if mean < policy.min_mean_confidence:
        return True, f"mean confidence {mean:.2f} < {policy.min_mean_confidence:.2f}"
    weakest = min(confidences)
    if weakest < policy.min_word_confidence:
        return True, f"a word has confidence {weakest:.2f} < {policy.min_word_confidence:.2f}"
    return False, ""
