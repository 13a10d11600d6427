"""Numbers and amounts in customer answers: "两百" = 200, "一百五" = 150, "200块", "two hundred".

Branch regexes and condition expressions see numbers as Arabic digits whatever the
customer said, so a designer writes ``\\d+`` or ``amount >= 100`` once.
"""

from __future__ import annotations

import re
import warnings
from decimal import Decimal
from functools import lru_cache

__all__ = ["to_arabic", "extract_numbers", "first_number"]

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_EN_UNITS = {
    w: i for i, w in enumerate(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
    )
}
_EN_TENS = {w: 10 * i for i, w in enumerate(["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]) if i >= 2}
_EN_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
_EN_WORD = re.compile(r"\b(?:" + "|".join([*_EN_UNITS, *_EN_TENS, *_EN_SCALES, "a", "and"]) + r")\b")
_EN_RUN = re.compile(
    r"\b(?:(?:" + "|".join([*_EN_UNITS, *_EN_TENS, *_EN_SCALES]) + r")(?:[ -](?:and[ -])?|\b))+"
)
# A Chinese numeral character with nothing numeric around it is usually not a number
# ("一下", "一起", "考虑一下"); cn2an turns those into "1下", so only runs that contain a
# unit character or more than one numeral are trusted.
_ZH_NUM_RUN = re.compile(r"[零〇一二两三四五六七八九十百千万亿幺点]+")
_ZH_SINGLE_OK = frozenset("十百千万亿")
_MEASURES = set("块元毛角分个天月号年岁次张条位期")
# "一块五" / "99块9" / "3元5角": yuan followed by a single jiao digit is a decimal amount.
_YUAN_JIAO = re.compile(r"(\d+)[块元](\d)(?:毛|角)?(?![\d.])")
# ASR mixes digits and Chinese units: "2百" (200), "3万5千", "1.5万". The digits around a unit
# are put into Chinese numerals so the run reads as one number; a decimal before a unit is
# multiplied out (cn2an cannot read "一点五万").
_UNITS = "十百千万亿"
_UNIT_VALUE = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}
_DECIMAL_UNIT = re.compile(r"(\d+\.\d+)([十百千万亿])")
_DIGITS_BY_UNIT = re.compile(r"\d+(?=[十百千万亿])|(?<=[十百千万亿])\d+(?![\d.])")


def _en_words_to_number(words: list[str]) -> int | None:
    total, current, seen = 0, 0, False
    for w in words:
        if w == "and":
            continue
        if w in _EN_UNITS:
            current += _EN_UNITS[w]
        elif w in _EN_TENS:
            current += _EN_TENS[w]
        elif w == "hundred":
            current = max(current, 1) * 100
        elif w in _EN_SCALES:
            total += max(current, 1) * _EN_SCALES[w]
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def _replace_en(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        words = [w for w in re.split(r"[ -]+", m.group(0).strip()) if w]
        value = _en_words_to_number(words)
        return m.group(0) if value is None else f"{value} "

    return _EN_RUN.sub(repl, text).strip() if _EN_WORD.search(text) else text


def _measured(text: str, start: int, end: int) -> bool:
    """A lone numeral counts when a measure word follows it or a yuan precedes it ("一块五")."""
    return (end < len(text) and text[end] in _MEASURES) or (start > 0 and text[start - 1] in "块元")


def _mixed(text: str) -> str:
    """Digits next to a Chinese unit as Chinese numerals: "2百5" -> "二百五", "1.5万" -> "15000"."""
    import cn2an
    if not any(u in text for u in _UNITS) or not any(c.isdigit() for c in text):
        return text

    def decimal(m: re.Match[str]) -> str:
        value = Decimal(m.group(1)) * _UNIT_VALUE[m.group(2)]
        return format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))

    text = _DECIMAL_UNIT.sub(decimal, text)
    return _DIGITS_BY_UNIT.sub(lambda m: str(cn2an.an2cn(str(int(m.group(0))), "low")), text)


def _replace_zh(text: str) -> str:
    import cn2an
    def repl(m: re.Match[str]) -> str:
        run = m.group(0)
        trail = ""
        while run.endswith("点"):  # "一点也不" is "a bit", not a decimal point
            run, trail = run[:-1], trail + "点"
        if not run:
            return trail
        end = m.start() + len(run)
        measured = _measured(text, m.start(), end)
        if not measured and (len(run) == 1 or set(run) <= _ZH_SINGLE_OK):
            return run + trail  # "一下", "千万别": words, not numbers
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # cn2an warns on runs it cannot read; we keep those as text
                out = cn2an.transform(run.replace("幺", "一"), "cn2an")
        except Exception:  # cn2an raises plain ValueError/KeyError on odd runs; keep the text then
            return run + trail
        return str(out) + trail

    return _ZH_NUM_RUN.sub(repl, text)


@lru_cache(maxsize=4096)
def to_arabic(text: str) -> str:
    """``text`` with Chinese and English number words turned into Arabic digits."""
    return _replace_en(_YUAN_JIAO.sub(r"\1.\2元", _replace_zh(_mixed(text))))


def extract_numbers(text: str) -> list[float]:
    """Every number in ``text`` in order of appearance ("充了两百块" -> [200.0])."""
    return [float(m.group(0)) for m in _NUMBER.finditer(to_arabic(text))]


def first_number(text: str) -> float | None:
    nums = extract_numbers(text)
    return nums[0] if nums else None
