"""The stream of a recogniser that decodes whole utterances (Whisper, an HTTP speech server):
frames are buffered until :meth:`WholeUtteranceStream.finish`, which sends them in one piece,
unless they were a tone (not sent: a model would only make words of it)."""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar

from runtime.speech.asr_base import AsrResult
from runtime.speech.rejection import ToneDetector
from telephony.media.audio import SAMPLE_RATE

__all__ = ["Transcriber", "WholeUtteranceStream"]


class Transcriber(Protocol):
    """A recogniser of whole utterances; ``context`` is its prompt (hotwords, expected phrases)."""

    name: str

    def transcribe(self, pcm8k: bytes, context: str | None = None, /) -> AsrResult: ...


_T = TypeVar("_T", bound=Transcriber)


class WholeUtteranceStream(Generic[_T]):
    def __init__(self, provider: _T, context: str | None) -> None:
        self._provider = provider
        self._context = context
        self._pcm = bytearray()
        self._tone = ToneDetector()
        self.decoded: bytes | None = None  # the audio the last decode was given (a peek's, or the whole turn's)

    def accept(self, pcm_frame: bytes) -> None:
        self._pcm += pcm_frame
        self._tone.add(pcm_frame)
        return None  # no partials: the utterance is decoded whole

    def finish(self) -> AsrResult:
        tone = self._tone.reason()
        if tone is not None:
            return AsrResult("", 0.0, rejected=True, provider=self._provider.name, reason=tone,
                             audio_ms=len(self._pcm) // 2 * 1000 // SAMPLE_RATE)
        pcm = bytes(self._pcm)  # a copy: accept() may go on
        self.decoded = pcm
        return self._provider.transcribe(pcm, self._context)
