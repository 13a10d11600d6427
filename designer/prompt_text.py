"""How long a prompt takes to say, and how it splits into sentences a listener must hold in mind.

Speaking time is estimated, not measured: Chinese voices speak about 4.5 characters a second,
English ones about 2.7 words a second, unless ``settings.speech_rate_cps`` says otherwise.
Placeholders count as their example value (or four characters / one word when none is given).
"""

from __future__ import annotations

import re

from designer.model import Script

__all__ = [
    "ZH_CPS",
    "EN_WPS",
    "render_examples",
    "speech_units",
    "estimate_seconds",
    "sentences",
]

ZH_CPS = 4.5
EN_WPS = 2.7
_PLACEHOLDER = re.compile(r"\$\{\s*([^}]*?)\s*\}")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|\d+(?:[.,]\d+)?")
_SENTENCE_END = re.compile(r"[。！？!?；;]+|\.(?=\s|$)")


def render_examples(text: str, script: Script) -> str:
    """The prompt as a listener would hear it with the variables' example values."""

    def sub(m: re.Match[str]) -> str:
        var = script.variables.get(m.group(1))
        if var is not None and var.example is not None:
            return str(var.example)
        return "某某某某" if script.is_chinese else "something"

    return _PLACEHOLDER.sub(sub, text)


def speech_units(text: str, chinese: bool) -> float:
    """Characters (zh) or words (en) to be spoken; in Chinese a digit is one syllable, a Latin word two."""
    cjk = len(_CJK.findall(text))
    words = _WORD.findall(text)
    if chinese:
        return cjk + sum(len(w) if w[0].isdigit() else 2 for w in words)
    return len(words) + cjk


def estimate_seconds(text: str, script: Script) -> float:
    rendered = render_examples(text, script)
    rate = script.settings.speech_rate_cps or (ZH_CPS if script.is_chinese else EN_WPS)
    return round(speech_units(rendered, script.is_chinese) / rate, 2)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]
