"""How many SMS segments a text costs: GSM 7-bit 160 (153 when concatenated), UCS-2 70 (67).

A text with any character outside the GSM 7-bit alphabet — any Chinese character — goes as UCS-2:
70 characters fit one message; a longer text is split into parts of 67 (the rest carries the
concatenation header). Characters outside the Basic Multilingual Plane (emoji) take two UCS-2
units. Pure; the editor's live counter (web/static/sms_count.js) follows the same rules.
"""

from __future__ import annotations

import math
from typing import NamedTuple

__all__ = ["Length", "measure", "MAX_SEGMENTS"]

#: a follow-up longer than this many segments is refused (cost, and phones drop long chains)
MAX_SEGMENTS = 6

_GSM = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
           "¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM_EXT = set("^{}\\[~]|€\f")


class Length(NamedTuple):
    encoding: str  # gsm7 | ucs2
    units: int  # septets or UCS-2 code units
    segments: int
    per_segment: int  # 160/70 for one message, 153/67 in a chain

    def as_dict(self) -> dict[str, object]:
        return {"encoding": self.encoding, "units": self.units, "segments": self.segments, "per_segment": self.per_segment}


def measure(text: str) -> Length:
    if all(c in _GSM or c in _GSM_EXT for c in text):
        units = sum(2 if c in _GSM_EXT else 1 for c in text)
        single, multi, enc = 160, 153, "gsm7"
    else:
        units = sum(2 if ord(c) > 0xFFFF else 1 for c in text)
        single, multi, enc = 70, 67, "ucs2"
    if units <= single:
        return Length(enc, units, 1 if units else 0, single)
    return Length(enc, units, math.ceil(units / multi), multi)
