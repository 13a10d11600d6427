"""An offline, dependency-free similarity matcher for when no phrase matched literally.

Plugged into :class:`~runtime.nlu.matcher.Matcher` (``semantic=NgramSimilarity()``), it compares
character n-grams of the answer with every phrase and example of the node's intent branches
(cosine similarity) and suggests the best intent above a threshold. It downloads nothing; a
heavier model (sentence embeddings) can be plugged in the same way through the
:class:`~runtime.nlu.matcher.SemanticMatcher` protocol. Polarity must agree: "不太想要" is never
similar to "想要".
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from functools import lru_cache

from designer.textfold import is_cjk, normalize

__all__ = ["NgramSimilarity", "similarity"]

_NEGATORS = re.compile(r"[不没别未无甭]|\b(?:not|no|never|dont|doesnt|didnt|cant|wont|isnt)\b")


@lru_cache(maxsize=16384)
def _vector(text: str) -> tuple[Counter[str], float, bool]:
    """Bigrams of CJK runs and words (plus trigrams of letters) of normalised text, its norm, its polarity."""
    norm = normalize(text)
    grams: Counter[str] = Counter()
    for token in norm.split():
        if any(is_cjk(c) for c in token):
            grams.update(token)
            grams.update(token[i:i + 2] for i in range(len(token) - 1))
        else:
            grams[token] += 2
            padded = f" {token} "
            grams.update(padded[i:i + 3] for i in range(len(padded) - 2))
    length = math.sqrt(sum(v * v for v in grams.values())) or 1.0
    return grams, length, bool(_NEGATORS.search(norm))


def similarity(a: str, b: str) -> float:
    """Cosine similarity of two texts' n-grams; 0 when one is negated and the other is not."""
    va, la, na = _vector(a)
    vb, lb, nb = _vector(b)
    if na != nb:
        return 0.0
    small, big = (va, vb) if len(va) < len(vb) else (vb, va)
    return sum(v * big.get(k, 0) for k, v in small.items()) / (la * lb)


class NgramSimilarity:
    def __init__(self, threshold: float = 0.6) -> None:
        self.threshold = threshold

    def best_intent(self, text: str, intents: Mapping[str, tuple[str, ...]]) -> tuple[str, float] | None:
        best: tuple[str, float] | None = None
        for name, phrases in intents.items():
            for p in phrases:
                score = similarity(text, p)
                if score >= self.threshold and (best is None or score > best[1]):
                    best = (name, score)
        return best
