"""vosk (Kaldi) streaming recognition at 8 kHz: one model per path shared by every call,
one recogniser per call, grammar mode from the listening node's expected phrases.

Expected words the model does not know are reported in ``oov`` (vosk itself would just log
and drop them). Chinese phrases without spaces are split into model words by greedy
longest match, since vosk vocabularies hold segmented words.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from runtime.speech.asr_base import AsrError, AsrResult, Partial, Word
from runtime.speech.model_files import vosk_model_problem
from runtime.speech.rejection import FREE_POLICY, GRAMMAR_POLICY, RejectionPolicy, ToneDetector, verdict
from telephony.media.audio import SAMPLE_RATE

__all__ = ["VoskProvider", "VoskStream", "load_vosk_model", "grammar_for"]

_LOAD_LOCK = threading.Lock()
_MAX_WORD_CHARS = 6


@lru_cache(maxsize=4)
def _load(path: str) -> Any:
    import vosk

    vosk.SetLogLevel(-1)
    try:
        return vosk.Model(path)
    except Exception as exc:  # vosk raises a bare Exception("Failed to create a model")
        raise AsrError(f"cannot load the vosk model in {path}: {exc}") from exc


def load_vosk_model(path: str | Path) -> Any:
    """The shared ``vosk.Model`` for ``path`` (loaded once per process: ~2-3 s and ~300 MB)."""
    p = Path(path)
    problem = vosk_model_problem(p)
    if problem is not None:
        raise AsrError(f"vosk model: {problem}; see `huashu models`")
    with _LOAD_LOCK:
        return _load(str(p.resolve()))


def _split(phrase: str, known: Any) -> list[str]:
    """Model words of a phrase: spaces where given, else greedy longest match (Chinese)."""
    if " " in phrase.strip() or not any("\u3400" <= c <= "\u9fff" for c in phrase):
        return phrase.split()
    words: list[str] = []
    i = 0
    while i < len(phrase):
        for j in range(min(len(phrase), i + _MAX_WORD_CHARS), i, -1):
            if j - i == 1 or known(phrase[i:j]):
                words.append(phrase[i:j])
                i = j
                break
    return words


def grammar_for(model: Any, phrases: Sequence[str]) -> tuple[list[str], list[str]]:
    """(grammar phrases with only known words, unknown words in first-seen order)."""

    def known(w: str) -> bool:
        return int(model.vosk_model_find_word(w)) >= 0

    grammar: list[str] = []
    oov: list[str] = []
    for phrase in phrases:
        words = _split(phrase.strip().lower(), known)
        keep = [w for w in words if known(w)]
        oov.extend(w for w in words if not known(w) and w not in oov)
        if keep and " ".join(keep) not in grammar:
            grammar.append(" ".join(keep))
    if known("[unk]"):
        grammar.append("[unk]")
    return grammar, oov


class VoskStream:
    """One call's recogniser. Not thread-safe; one per call."""

    def __init__(
        self, rec: Any, policy: RejectionPolicy, oov: list[str], grammar: bool, phrases: Sequence[str] = ()
    ) -> None:
        self._rec = rec
        self._phrases = frozenset(p for p in phrases if p != "[unk]")
        self._policy = policy
        self.oov = tuple(oov)
        self.grammar = grammar
        self._segments: list[dict[str, Any]] = []
        self._last_partial = ""
        self._bytes = 0
        self._tone = ToneDetector()

    def accept(self, pcm_frame: bytes) -> Partial | None:
        self._bytes += len(pcm_frame)
        self._tone.add(pcm_frame)
        if self._rec.AcceptWaveform(pcm_frame):
            self._segments.append(json.loads(self._rec.Result()))
            self._last_partial = ""
            return None
        text = json.loads(self._rec.PartialResult()).get("partial", "")
        if text and text != self._last_partial:
            self._last_partial = text
            return Partial(text)
        return None

    def finish(self) -> AsrResult:
        self._segments.append(json.loads(self._rec.FinalResult()))
        words = vosk_words(self._segments)
        text = " ".join(w.word for w in words)
        confs = [w.confidence for w in words]
        rejected, reason = verdict(text, confs, self._policy, self._phrases if self.grammar else (),
                                   non_speech=self._tone.reason())
        if any(w.get("word") == "[unk]" for seg in self._segments for w in seg.get("result", ())) and not words:
            reason = "out of grammar ([unk])"
        return AsrResult(
            text=text,
            confidence=(sum(confs) / len(confs)) if confs else 0.0,
            words=words,
            rejected=rejected,
            oov=self.oov,
            provider="vosk",
            reason=reason,
            audio_ms=self._bytes // 2 * 1000 // SAMPLE_RATE,
        )


def vosk_words(segments: Sequence[dict[str, Any]]) -> tuple[Word, ...]:
    """The words of vosk's result segments (vosk and vosk-server send the same JSON), ``[unk]`` left out."""
    return tuple(
        Word(w["word"], float(w.get("conf", 0.0)), float(w.get("start", 0)), float(w.get("end", 0)))
        for seg in segments
        for w in seg.get("result", ())
        if w.get("word") != "[unk]"
    )


class VoskProvider:
    name = "vosk"
    streaming = True
    needs_network = False

    def __init__(
        self,
        model_path: str | Path,
        grammar_policy: RejectionPolicy = GRAMMAR_POLICY,
        free_policy: RejectionPolicy = FREE_POLICY,
    ) -> None:
        self.model_path = Path(model_path)
        self.model = load_vosk_model(self.model_path)
        self.grammar_policy = grammar_policy
        self.free_policy = free_policy

    def new_stream(
        self, expected: Sequence[str] = (), grammar: bool = False, hotwords: Sequence[str] = ()
    ) -> VoskStream:
        import vosk

        phrases = [*expected, *hotwords]
        grammar_phrases, oov = grammar_for(self.model, phrases)
        if grammar:
            if not grammar_phrases:
                raise AsrError(
                    "grammar mode needs expected phrases the model knows; "
                    f"none of {list(phrases)[:5]} is in its vocabulary (unknown: {oov[:10]})"
                )
            rec = vosk.KaldiRecognizer(self.model, SAMPLE_RATE, json.dumps(grammar_phrases, ensure_ascii=False))
        else:
            rec = vosk.KaldiRecognizer(self.model, SAMPLE_RATE)
        rec.SetWords(True)
        policy = self.grammar_policy if grammar else self.free_policy
        return VoskStream(rec, policy, oov, grammar, grammar_phrases)
