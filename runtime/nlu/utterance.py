"""One customer answer in every form the matcher compares, each computed at most once."""

from __future__ import annotations

import re
from functools import cached_property

from designer.textfold import has_cjk, normalize
from runtime.nlu.numbers import extract_numbers, to_arabic
from runtime.nlu.pinyin import fuzzy_key

__all__ = ["Utterance", "strip_degree", "FILLERS"]

# Degree words between a subject and its predicate ("信号太差", "资费有点高") hide a keyword
# ("信号差", "资费高"); a last matching pass drops them from both sides.
_DEGREE = re.compile(r"非常|特别|比较|有点儿|有点|有些|超级|真的|太|很|挺|蛮|真")
# Sentence-final particles and hesitations that carry no meaning in a short answer.
FILLERS = frozenset("啊呀吧呢哦了的啦嘛哈呗哎诶噢嗯额呃")
_EN_FILLERS = frozenset({"um", "uh", "oh", "well", "er", "erm", "hmm"})
_REPEATS = re.compile(r"(.)\1+")


def strip_degree(text: str) -> str:
    return _DEGREE.sub("", text)


class Utterance:
    """Customer text, normalised; the other forms are lazy because most turns never need them."""

    def __init__(self, text: str) -> None:
        self.raw = text
        self.norm = normalize(text)

    @cached_property
    def fuzzy(self) -> str:
        return fuzzy_key(self.norm)

    @cached_property
    def stripped(self) -> str:
        return strip_degree(self.norm)

    @cached_property
    def stripped_fuzzy(self) -> str:
        return fuzzy_key(self.stripped)

    @cached_property
    def arabic(self) -> str:
        return to_arabic(self.norm)

    @cached_property
    def numbers(self) -> list[float]:
        return extract_numbers(self.norm)

    @cached_property
    def short_forms(self) -> frozenset[str]:
        """What a one-character / one-word answer reduces to: "对对对，" -> "对", "好的呀" -> "好"."""
        forms: set[str] = set()
        words = self.norm.split(" ")
        if not words or not words[0]:
            return frozenset()
        # Chinese answers: the first clause that is more than hesitation ("嗯，对的" -> "对");
        # an answer that is nothing but "嗯嗯" is itself a (weak) yes.
        for i, clause in enumerate(words):
            if not has_cjk(clause):
                break
            core = "".join(c for c in clause if c not in FILLERS)
            if core:
                forms.add(_REPEATS.sub(r"\1", core))
                break
            if i == len(words) - 1:
                forms.add(_REPEATS.sub(r"\1", clause))
        en = [w for w in words if w not in _EN_FILLERS]
        if len(en) == 1 or len(set(en)) == 1 and en:
            forms.add(en[0])
        return frozenset(forms)
