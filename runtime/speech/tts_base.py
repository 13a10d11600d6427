"""The TTS contract every provider follows, and how a script's voice string names a provider.

A voice is written ``provider:voice`` (``espeak:cmn-latn-pinyin``, ``piper:en_US-joe-medium``);
a bare name ending in ``Neural`` (``zh-CN-XiaoxiaoNeural``) is an edge-tts voice, as in the
script schema's example, a bare ``*.onnx`` path a piper model, any other bare name an espeak
voice. No voice at all lets the configured chain choose by the text's language.
``recording:<id>`` plays an uploaded recording; the text is spoken instead (and the miss
reported) if that recording is gone. ``rate`` is a speed factor (1.0 = the voice's normal speed).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from huashu.core.errors import HuashuError, UserError
from telephony.media.audio import duration_ms

if TYPE_CHECKING:
    from huashu.core.config import Settings

__all__ = [
    "ANY_LANGUAGE",
    "RenderedPrompt",
    "TtsBase",
    "TtsError",
    "TtsProvider",
    "UnknownTtsProvider",
    "VoiceRef",
    "check_rate",
    "has_han",
    "text_language",
]

#: In :attr:`TtsProvider.languages`: the provider reads text of any language.
ANY_LANGUAGE = "*"

_HAN = re.compile(r"[\u3400-\u9fff]")


class TtsError(HuashuError, RuntimeError):
    """A provider could not render: engine missing, network down, model unreadable, bad voice."""


class UnknownTtsProvider(TtsError, UserError):
    """A setting or a voice names a TTS provider that is not registered."""


def has_han(text: str) -> bool:
    return bool(_HAN.search(text))


def text_language(text: str) -> str:
    """The language a provider must read for ``text``: ``zh`` with Chinese characters, else ``en``."""
    return "zh" if has_han(text) else "en"


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
    """What the fallback chain and the prompt cache know of a provider: nothing but this."""

    name: str
    #: Online: a failure means an outage, so the chain keeps it out of the way for a while.
    needs_network: bool
    #: The text languages (``zh``, ``en``) it reads with its default voice; :data:`ANY_LANGUAGE`
    #: for all; empty when it speaks no text at all, only what a voice names (a recording).
    languages: frozenset[str]

    def render(self, text: str, voice: str | None = None, rate: float = 1.0) -> RenderedPrompt:
        """Render ``text`` to 8 kHz PCM, or raise :class:`TtsError`. ``voice=None``: the provider's default."""
        ...

    def voice_for(self, text: str) -> str:
        """The concrete voice ``render(text, None)`` uses (part of the prompt cache's key)."""
        ...

    def speaks(self, text: str, voice: str | None) -> bool:
        """False when it cannot say ``text`` in ``voice`` at all, so the chain does not ask it."""
        ...


class TtsBase(ABC):
    """The capabilities of an offline provider for every language; providers and test fakes
    subclass it and override what differs. The registry holds these classes, so a provider's
    capabilities are known whether or not a deployment configures it."""

    name: str = "tts"
    needs_network: bool = False
    languages: frozenset[str] = frozenset({ANY_LANGUAGE})

    @abstractmethod
    def render(self, text: str, voice: str | None = None, rate: float = 1.0) -> RenderedPrompt:
        """See :meth:`TtsProvider.render`."""

    @classmethod
    def from_settings(cls, settings: Settings) -> TtsProvider:
        """The provider as a deployment's settings configure it (the registry's factory)."""
        return cls()

    @classmethod
    def available(cls) -> bool:
        """Whether its engine is installed here (``auto`` chains leave out what is not)."""
        return True

    def voice_for(self, text: str) -> str:
        return "default"

    def speaks(self, text: str, voice: str | None) -> bool:
        """A named voice is the author's choice and always tried; without one, the text's
        language must be one the provider reads."""
        if voice is not None:
            return True
        return ANY_LANGUAGE in self.languages or text_language(text) in self.languages


@dataclass(frozen=True, slots=True)
class VoiceRef:
    provider: str | None  # None: let the configured provider chain decide
    voice: str | None


def check_rate(rate: float) -> float:
    if not 0.25 <= rate <= 4.0:
        raise TtsError(f"speech rate must be between 0.25 and 4.0 (1.0 = normal), got {rate}")
    return rate
