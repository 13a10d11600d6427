"""The TTS contract every provider follows, and how a script's voice string names a provider.

A voice is written ``provider:voice`` (``espeak:cmn-latn-pinyin``, ``piper:en_US-joe-medium``);
a bare name ending in ``Neural`` (``zh-CN-XiaoxiaoNeural``) is an edge-tts voice, as in the
script schema's example, a bare ``*.onnx`` path a piper model, any other bare name an espeak
voice. No voice at all lets the configured chain choose by the text's language.
``recording:<id>`` plays an uploaded recording; the text is spoken instead (and the miss
reported) if that recording is gone. ``rate`` is a speed factor (1.0 = the voice's normal speed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from telephony.media.audio import duration_ms

__all__ = ["RenderedPrompt", "TtsError", "TtsProvider", "VoiceRef", "parse_voice", "check_rate"]


class TtsError(RuntimeError):
    """A provider could not render: engine missing, network down, model unreadable, bad voice."""


@dataclass(frozen=True, slots=True)
class RenderedPrompt:
    """Audio ready for the line: 8 kHz 16-bit mono PCM and who made it.

    ``warnings`` lists providers that failed before this one (fallback), so a caller can
    report a degraded voice instead of the call silently sounding different.
    """

    pcm: bytes
    duration_ms: int
    provider: str
    voice: str
    warnings: tuple[str, ...] = field(default=())
    cached: bool = False

    @classmethod
    def of(cls, pcm: bytes, provider: str, voice: str) -> RenderedPrompt:
        return cls(pcm=pcm, duration_ms=duration_ms(pcm), provider=provider, voice=voice)


@runtime_checkable
class TtsProvider(Protocol):
    name: str

    def render(self, text: str, voice: str | None = None, rate: float = 1.0) -> RenderedPrompt:
        """Render ``text`` to 8 kHz PCM, or raise :class:`TtsError`. ``voice=None``: the provider's default."""
        ...


@dataclass(frozen=True, slots=True)
class VoiceRef:
    provider: str | None  # None: let the configured provider chain decide
    voice: str | None


_PROVIDERS = ("espeak", "piper", "edge", "recording")


def parse_voice(spec: str | None) -> VoiceRef:
    """``"espeak:cmn-latn-pinyin"`` -> (espeak, cmn-latn-pinyin); ``"zh-CN-XiaoxiaoNeural"`` -> (edge, ...)."""
    if not spec:
        return VoiceRef(None, None)
    head, sep, tail = spec.partition(":")
    if sep and head in _PROVIDERS:
        return VoiceRef(head, tail or None)
    if sep:
        raise TtsError(f"unknown TTS provider {head!r} in voice {spec!r} (expected one of {', '.join(_PROVIDERS)})")
    if spec.endswith("Neural"):
        return VoiceRef("edge", spec)
    if spec.endswith(".onnx"):
        return VoiceRef("piper", spec)
    return VoiceRef("espeak", spec)


def check_rate(rate: float) -> float:
    if not 0.25 <= rate <= 4.0:
        raise TtsError(f"speech rate must be between 0.25 and 4.0 (1.0 = normal), got {rate}")
    return rate
