"""Fold ASR text into one comparable form before any matching.

ASR output differs from what a designer typed in ways that carry no meaning: traditional vs
simplified characters, full-width digits and letters, case, punctuation, apostrophes in
English contractions. Everything the matcher compares goes through :func:`normalize` first,
keywords and customer text alike, so both sides are folded the same way. It lives in the
designer because validation folds keywords the same way to find overlapping branches.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from opencc import OpenCC

__all__ = ["normalize", "is_cjk", "has_cjk"]

_T2S = OpenCC("t2s")
_APOSTROPHES = re.compile(r"[’'`´]")
# ASR engines that segment Chinese into words (vosk) put spaces between them: "我 已经 充值 了".
_CJK_GAP = re.compile(r"(?<=[\u3400-\u4dbf\u4e00-\u9fff])\s+(?=[\u3400-\u4dbf\u4e00-\u9fff])")
# Anything that is not a letter or digit, in any script (Hangul, kana, é ...), separates words.
_SEPARATORS = re.compile(r"[\W_]+")


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def has_cjk(text: str) -> bool:
    return any(is_cjk(c) for c in text)


@lru_cache(maxsize=8192)
def normalize(text: str) -> str:
    """Simplified, half-width, lower-case text with punctuation turned into single spaces.

    Cached: customer answers repeat a lot ("好的", "不用了") and keywords are folded once per
    script, so the cache pays for itself on every call.
    """
    s = unicodedata.normalize("NFKC", text)
    if has_cjk(s):
        s = _CJK_GAP.sub("", _T2S.convert(s))
    s = _APOSTROPHES.sub("", s.lower())
    s = _SEPARATORS.sub(" ", s)
    return s.strip()
