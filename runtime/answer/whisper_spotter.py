"""Whisper's words scored against the phrase table: the recogniser path of phrase spotting.

Whisper is open-vocabulary and weak on robotic Chinese, so its text is never trusted as is:
it is scored against every phrase of the table by similarity of fuzzy pinyin keys
(:func:`runtime.nlu.pinyin.fuzzy_key`, homophones fold together; English by lower-case
characters), comparing the heard text with the *start* of each phrase (the call may still be
playing the rest), and a phrase must beat the best other label by a margin. Whisper costs
~1 s CPU a look, so it looks once per stretch of speech, when it is long enough.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from pathlib import Path

from runtime.nlu.pinyin import fuzzy_key
from runtime.speech.asr_base import AsrError
from telephony.media.answer.phrases import PhraseHit, PhraseTable

__all__ = ["WhisperSpotter", "phrase_similarity"]

_NON_WORD = re.compile(r"[\s\W_]+", re.UNICODE)
_MIN_AUDIO_S = 1.8  # below this Whisper has too little to go on
_RECHECK_S = 1.2  # look again after this much more speech


def _key(text: str) -> str:
    return fuzzy_key(_NON_WORD.sub("", text.lower()))


def phrase_similarity(heard: str, phrase: str) -> float:
    """0..1: how well ``heard`` matches the beginning of ``phrase`` (pinyin-folded)."""
    a, b = _key(heard), _key(phrase)
    if not a or not b:
        return 0.0
    b = b[: len(a) + 2]
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


class WhisperSpotter:
    """A :class:`~telephony.media.answer.phrases.PhraseSpotter` over a Whisper recogniser."""

    name = "whisper"

    def __init__(self, provider: object, tables: Sequence[PhraseTable]) -> None:
        self.provider = provider
        self.phrases = [(p.label, p.text) for t in tables for p in t.phrases]
        self._looked: dict[float, float] = {}  # onset -> audio seconds at the last look

    @classmethod
    def from_settings(cls, tables: Sequence[PhraseTable]) -> WhisperSpotter:
        from huashu.core.config import get_settings
        from runtime.speech.asr_whisper import WhisperProvider
        from runtime.speech.model_files import whisper_model_dir

        settings = get_settings()
        try:
            model = Path(settings.speech.whisper_model_dir) if settings.speech.whisper_model_dir else \
                whisper_model_dir(Path(settings.data_dir) / "models")
            lang = tables[0].language if len({t.language for t in tables}) == 1 else None
            return cls(WhisperProvider(model, language=lang), tables)
        except AsrError as exc:
            from runtime.answer.spotters import SpotterError

            raise SpotterError(f"Whisper is not available: {exc}") from None

    def score(self, text: str) -> PhraseHit | None:
        """The best phrase for recognised ``text``, with its lead over other labels."""
        best: dict[str, tuple[float, str]] = {}
        for label, phrase in self.phrases:
            s = phrase_similarity(text, phrase)
            if label not in best or s > best[label][0]:
                best[label] = (s, phrase)
        if not best:
            return None
        ranked = sorted(best.items(), key=lambda kv: kv[1][0], reverse=True)
        (label, (s, phrase)) = ranked[0]
        lead = s - ranked[1][1][0] if len(ranked) > 1 else 1.0
        return PhraseHit(label, phrase, round(s, 3), 0.0, 0.0, self.name, round(lead, 3))

    def spot(self, pcm: bytes, start_s: float, final: bool) -> PhraseHit | None:
        audio_s = len(pcm) / 16000
        last = self._looked.get(start_s)
        if audio_s < _MIN_AUDIO_S or (last is not None and audio_s - last < _RECHECK_S and not final):
            return None
        self._looked[start_s] = audio_s
        result = self.provider.transcribe(pcm)  # type: ignore[attr-defined]
        if not result.text:
            return None
        hit = self.score(result.text)
        if hit is None:
            return None
        return PhraseHit(hit.label, f"{hit.phrase} (heard {result.text!r})", hit.score, start_s,
                         start_s + audio_s, self.name, hit.margin)
