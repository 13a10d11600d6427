"""Numbers, amounts, dates and phone numbers as a voice should read them, in Chinese and English.

TTS engines read "36.5" or "13800138000" badly or differently per voice, so prompts get the
words: "三十六元五角", "thirty-six dollars and fifty cents", "幺三八…" digit by digit.
"""

from __future__ import annotations

import datetime as _dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = ["as_decimal", "number_zh", "number_en", "amount_zh", "amount_en", "amount_number_zh", "phone_zh",
           "phone_en", "date_zh", "date_en"]

_EN_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_EN_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_EN_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_ZH_DIGITS = "零一二三四五六七八九"
_ZH_PHONE_DIGITS = "零幺二三四五六七八九"
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]


def as_decimal(value: object) -> Decimal:
    """A number from customer data (int, float, "36.5", "1,200"); ValueError if it is not one."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    try:
        return Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None


def _int_en(n: int) -> str:
    if n < 20:
        return _EN_ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _EN_TENS[tens] + (f"-{_EN_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_EN_ONES[hundreds]} hundred" + (f" {_int_en(rest)}" if rest else "")
    for scale, name in _EN_SCALES:
        if n >= scale:
            high, rest = divmod(n, scale)
            return f"{_int_en(high)} {name}" + (f" {_int_en(rest)}" if rest else "")
    raise AssertionError("unreachable")


def number_en(value: object) -> str:
    d = as_decimal(value)
    sign = "minus " if d < 0 else ""
    d = abs(d)
    whole = int(d)
    frac = format(d, "f").partition(".")[2].rstrip("0")
    out = sign + _int_en(whole)
    if frac:
        out += " point " + " ".join(_EN_ONES[int(c)] for c in frac)
    return out


def number_zh(value: object) -> str:
    import cn2an
    d = as_decimal(value)
    text = format(d.normalize(), "f") if d != d.to_integral_value() else str(int(d))
    return str(cn2an.an2cn(text, "low"))


def _liang(reading: str) -> str:
    """A count of two before a unit is 两, not 二: "两元", "两百元", "两万" ("二十", "十二" stay)."""
    sign = "负" if reading.startswith("负") else ""
    rest = reading[len(sign):]
    if rest == "二" or (rest[:1] == "二" and rest[1:2] in ("百", "千", "万", "亿")):
        return sign + "两" + rest[1:]
    return reading


def amount_number_zh(value: object) -> str:
    """An amount as a bare number, for a prompt that says the unit itself ("欠费${x}元"):
    2 -> 两, 200 -> 两百, 2.5 -> 二点五."""
    d = as_decimal(value)
    return _liang(number_zh(value)) if d == d.to_integral_value() else number_zh(value)


def _cents(value: object) -> tuple[str, int, int]:
    d = as_decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if d < 0 else ""
    cents = int(abs(d) * 100)
    return sign, cents // 100, cents % 100


def amount_zh(value: object) -> str:
    """36.5 -> 三十六元五角; 0.05 -> 五分; 100 -> 一百元; 2 -> 两元; 0.2 -> 两角; 200 -> 两百元."""
    import cn2an
    sign, yuan, cents = _cents(value)
    jiao, fen = divmod(cents, 10)
    parts: list[str] = []
    if yuan or not cents:
        parts.append(str(cn2an.an2cn(str(yuan), "low")) + "元")
    if jiao:
        parts.append(_ZH_DIGITS[jiao] + "角")
    if fen:
        parts.append(("零" if yuan and not jiao else "") + _ZH_DIGITS[fen] + "分")
    parts[0] = _liang(parts[0][:-1]) + parts[0][-1]  # the first count said: 两元, 两角, 两分
    return ("负" if sign else "") + "".join(parts)


def _unit_en(n: int, plural: str) -> str:
    return plural[:-1] if n == 1 and plural.endswith("s") else plural


def amount_en(value: object, currency: str = "dollars", cents_word: str = "cents") -> str:
    """36.5 -> thirty-six dollars and fifty cents; 0.05 -> five cents; 1.01 -> one dollar and one cent."""
    sign, whole, cents = _cents(value)
    parts: list[str] = []
    if whole or not cents:
        parts.append(f"{_int_en(whole)} {_unit_en(whole, currency)}")
    if cents:
        parts.append(f"{_int_en(cents)} {_unit_en(cents, cents_word)}")
    return ("minus " if sign else "") + " and ".join(parts)


def phone_zh(value: object) -> str:
    return "".join(_ZH_PHONE_DIGITS[int(c)] for c in str(value) if c.isdigit())


def phone_en(value: object) -> str:
    return " ".join(_EN_ONES[int(c)] for c in str(value) if c.isdigit())


def _date(value: object) -> _dt.date:
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def date_zh(value: object) -> str:
    import cn2an
    d = _date(value)
    year = "".join(_ZH_DIGITS[int(c)] for c in f"{d.year:04d}")
    return f"{year}年{cn2an.an2cn(str(d.month), 'low')}月{cn2an.an2cn(str(d.day), 'low')}日"


def date_en(value: object) -> str:
    d = _date(value)
    return f"{_MONTHS[d.month - 1]} {d.day}, {d.year}"
