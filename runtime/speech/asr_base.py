"""The ASR contract: one provider (holding the shared model) hands out one stream per call.

Frames go in as they arrive (20 ms of 8 kHz PCM, already VAD-gated); a stream may answer
with a :class:`Partial` (for barge-in and live captions) and ends with an :class:`AsrResult`
that carries its own verdict (``rejected``) so the dialog engine can treat doubtful
recognition as ``no_match`` instead of acting on a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from huashu.core.errors import HuashuError, UserError

__all__ = ["ACCEPTED_FLOOR", "AsrError", "UnknownAsrProvider", "Partial", "Word", "AsrResult", "AsrStream", "AsrProvider"]


ACCEPTED_FLOOR = 0.6  # above the matcher's MIN_CONFIDENCE (0.5)


class AsrError(HuashuError, RuntimeError):
    """The recogniser cannot work: model missing or unreadable, server unreachable."""


class UnknownAsrProvider(AsrError, UserError):
    """``speech.asr_provider`` names a recogniser that is not registered."""


@dataclass(frozen=True, slots=True)
class Partial:
    text: str


@dataclass(frozen=True, slots=True)
class Word:
    word: str
    confidence: float
    start_s: float = 0.0
    end_s: float = 0.0


@dataclass(frozen=True, slots=True)
class AsrResult:
    """Final recognition of one utterance.

    ``confidence`` is 0..1 (mean word confidence for vosk, exp(mean log-prob) for whisper);
    ``None`` when the provider reports none (plain HTTP services). ``rejected`` means "do not
    trust this": empty, or below the provider's threshold. ``oov`` lists expected words the
    model does not know (they cannot be recognised; the script author must hear about it).
    """

    text: str
    confidence: float | None
    words: tuple[Word, ...] = ()
    rejected: bool = False
    oov: tuple[str, ...] = ()
    provider: str = ""
    reason: str = ""
    audio_ms: int = 0
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def dialog_confidence(self) -> float:
        """The confidence to put on the dialog engine's speech event.

        Rejection is decided here, per provider, on that provider's own scale (Whisper's
        token probability for a correct robotic-speech transcript is often 0.3-0.7), so an
        accepted result must not be re-rejected by the matcher's threshold: accepted ->
        at least :data:`ACCEPTED_FLOOR`; rejected -> 0.0, which the engine takes as no_match.
        """
        if self.rejected:
            return 0.0
        return max(self.confidence if self.confidence is not None else 0.0, ACCEPTED_FLOOR)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "confidence": self.confidence,
            "rejected": self.rejected,
            "reason": self.reason,
            "oov": list(self.oov),
            "provider": self.provider,
            "dialog_confidence": self.dialog_confidence,
            "audio_ms": self.audio_ms,
            "words": [{"word": w.word, "confidence": w.confidence, "start": w.start_s, "end": w.end_s} for w in self.words],
        }


@runtime_checkable
class AsrStream(Protocol):
    def accept(self, pcm_frame: bytes) -> Partial | None: ...

    def finish(self) -> AsrResult: ...


@runtime_checkable
class AsrProvider(Protocol):
    name: str
    #: Decodes while the caller speaks and can answer with :class:`Partial` (barge-in, live
    #: captions); False: it decodes the whole utterance at its end (Whisper, HTTP services).
    streaming: bool
    #: Recognition goes over the network (a speech server): its latency and outages are the
    #: network's; False: the model runs in this process.
    needs_network: bool

    def new_stream(
        self, expected: Sequence[str] = (), grammar: bool = False, hotwords: Sequence[str] = ()
    ) -> AsrStream:
        """``expected``: the listening node's phrases (keywords, synonyms, intent examples);
        ``grammar=True`` restricts recognition to them where the provider can."""
        ...
