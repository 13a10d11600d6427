"""The UI's two languages (zh, en): a small JSON message catalogue per language.

The language is the ``lang`` cookie if the user picked one, else the browser's
Accept-Language, else English. Missing keys fall back to English, then to the key itself,
so a forgotten translation shows up as readable text rather than an error.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["LANGUAGES", "DEFAULT_LANGUAGE", "LANG_COOKIE", "catalogue", "translate", "pick_language", "Translator"]

LANGUAGES: tuple[str, ...] = ("zh", "en")
DEFAULT_LANGUAGE = "en"
LANG_COOKIE = "lang"
_DIR = Path(__file__).parent


@cache
def catalogue(lang: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((_DIR / f"{lang}.json").read_text(encoding="utf-8"))
    return data


def translate(lang: str, key: str, **kwargs: Any) -> str:
    text = catalogue(lang).get(key) or catalogue(DEFAULT_LANGUAGE).get(key) or key
    return text.format(**kwargs) if kwargs else text


def _parse_accept_language(header: str) -> list[tuple[float, str]]:
    out: list[tuple[float, str]] = []
    for i, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        out.append((q - i * 1e-6, tag.strip().lower()))
    return sorted(out, reverse=True)


def pick_language(cookie: str | None, accept_language: str | None) -> str:
    if cookie in LANGUAGES:
        return cookie
    for q, tag in _parse_accept_language(accept_language or ""):
        primary = tag.split("-")[0]
        if q > 0 and primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


class Translator:
    """Bound to one language; templates call it as ``t("key", name=...)``."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, key: str, **kwargs: Any) -> str:
        return translate(self.lang, key, **kwargs)

    def code(self, prefix: str, value: object) -> str:
        """A code (outcome, hang-up cause, drop reason...) in words: ``t.code("op.cause", "NORMAL_CLEARING")``
        looks up ``op.cause.NORMAL_CLEARING``; a code the catalogue lacks shows as it is, so a new code
        from a carrier is still visible (the page test lists the codes of the demo)."""
        text = str(value)
        key = f"{prefix}.{text}"
        return self(key) if key in catalogue(DEFAULT_LANGUAGE) else text

    def why(self, text: str | None) -> str:
        """The matcher's English trace of a turn ("branch b1: intent 'affirm': keyword '好的'") in
        this language (:mod:`web.i18n.why`)."""
        from web.i18n.why import say_why

        return say_why(self, text or "")

    def codes(self, prefix: str, values: str | None, sep: str = ",") -> str:
        """A comma-separated list of codes (``no_answer,busy,cancelled``) in words, joined as the language joins."""
        words = [self.code(prefix, v.strip()) for v in (values or "").split(sep) if v.strip()]
        return ("、" if self.lang == "zh" else ", ").join(words)

    def messages(self, prefix: str) -> dict[str, str]:
        """All messages whose key starts with ``prefix`` (for the editor's JavaScript)."""
        base = {k: v for k, v in catalogue(DEFAULT_LANGUAGE).items() if k.startswith(prefix)}
        base.update({k: v for k, v in catalogue(self.lang).items() if k.startswith(prefix)})
        return base
