"""Build the phrase spotter a call or the CLI uses: acoustic templates, Whisper, or none."""

from __future__ import annotations

from collections.abc import Sequence

from huashu.core.errors import UserError
from runtime.answer.references import build_templates
from telephony.media.answer.phrases import PhraseSpotter, PhraseTableError, load_table
from telephony.media.answer.templates import TemplateSpotter

__all__ = ["SpotterError", "build_spotter"]

_cache: dict[tuple[str, tuple[str, ...]], PhraseSpotter | None] = {}


class SpotterError(UserError):
    """The spotter cannot be built (bad table, missing model); the message says which."""


def build_spotter(kind: str, tables: Sequence[str]) -> PhraseSpotter | None:
    """``kind``: templates | whisper | none; ``tables``: built-in languages or JSON paths.
    Built once per process and argument set (templates render in ~1 s per table)."""
    key = (kind, tuple(tables))
    if key in _cache:
        return _cache[key]
    if kind == "none":
        return None
    try:
        loaded = [load_table(t) for t in tables]
    except PhraseTableError as exc:
        raise SpotterError(str(exc)) from None
    spotter: PhraseSpotter
    if kind == "templates":
        spotter = TemplateSpotter([t for table in loaded for t in build_templates(table)])
    elif kind == "whisper":
        from runtime.answer.whisper_spotter import WhisperSpotter

        spotter = WhisperSpotter.from_settings(loaded)
    else:
        raise SpotterError(f"unknown recogniser {kind!r}: templates, whisper or none")
    _cache[key] = spotter
    return spotter
