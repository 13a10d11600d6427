"""Fuzzy pinyin keys so that ASR homophone errors still match ("冲值" finds "充值").

Each CJK character becomes one private-use code point that stands for its toneless pinyin
syllable with the usual confusions folded (zh/z, ch/c, sh/s, n/l, an/ang, en/eng, in/ing).
Other characters stay as they are. The key therefore has exactly the length of its input,
so a match position in the key is the same position in the text (negation needs it), and
matching is a plain ``str.find``.
"""

from __future__ import annotations

from functools import lru_cache

from designer.textfold import is_cjk

__all__ = ["fold_syllable", "fuzzy_key", "syllable_of"]

_INITIAL_FOLD = {"zh": "z", "ch": "c", "sh": "s", "n": "l"}
_FINAL_FOLD = (("iang", "ian"), ("uang", "uan"), ("ang", "an"), ("eng", "en"), ("ing", "in"))
_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x",
             "r", "z", "c", "s", "y", "w")
_codes: dict[str, str] = {}


def fold_syllable(syllable: str) -> str:
    """Fold a toneless syllable so that commonly confused ones become equal."""
    initial = next((i for i in _INITIALS if syllable.startswith(i)), "")
    final = syllable[len(initial):]
    for long, short in _FINAL_FOLD:
        if final.endswith(long):
            final = final[: -len(long)] + short
            break
    return _INITIAL_FOLD.get(initial, initial) + final


@lru_cache(maxsize=32768)
def syllable_of(ch: str) -> str:
    """The folded syllable of one CJK character (its most common reading)."""
    from pypinyin import Style, lazy_pinyin
    return fold_syllable(lazy_pinyin(ch, style=Style.NORMAL)[0])


def _code(ch: str) -> str:
    syl = syllable_of(ch)
    code = _codes.get(syl)
    if code is None:
        code = chr(0xE000 + len(_codes))
        _codes[syl] = code
    return code


@lru_cache(maxsize=8192)
def fuzzy_key(text: str) -> str:
    """Same-length key of already-normalised text; equal keys mean near-homophones."""
    return "".join(_code(c) if is_cjk(c) else c for c in text)
