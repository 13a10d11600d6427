"""TTS for calls: the providers by name (:data:`TTS_PROVIDERS`), and the fallback chain a
campaign uses. The chain knows a provider only through the :class:`TtsProvider` protocol and
its capabilities, never by its class or its name.

A campaign must never stall or go silent because the online voice is slow or down:
:class:`FallbackTts` tries providers in order, skips one that failed recently (cool-down),
and returns the first real audio together with ``warnings`` naming what failed and why.
If every provider fails it raises :class:`TtsError` — never silence. A provider that fails in
any way (a :class:`TtsError`, or an exception it did not expect: OSError, an onnxruntime error,
a timeout) hands over to the next one; the failure is logged and listed in ``warnings``.

A prompt is at most :data:`MAX_PROMPT_CHARS` characters, checked here, once, for every
provider: a longer "prompt" is a mistake (a pasted document, a runaway variable), and
rendering it costs without bound (60,000 characters made piper ask onnxruntime for 78 GB).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from huashu.core.metrics import observe_tts
from huashu.core.registry import Registry
from runtime.speech.recordings import PromptRecordingStore, RecordingProvider
from runtime.speech.tts_base import (
    RenderedPrompt,
    TtsBase,
    TtsError,
    TtsProvider,
    UnknownTtsProvider,
    VoiceRef,
    check_rate,
)
from runtime.speech.tts_edge import EdgeTtsProvider
from runtime.speech.tts_espeak import EspeakProvider
from runtime.speech.tts_kokoro import KokoroProvider
from runtime.speech.tts_piper import PiperProvider

if TYPE_CHECKING:
    from huashu.core.config import Settings
    from runtime.speech.cache import PromptCache

__all__ = [
    "RenderedPrompt",
    "TtsError",
    "TtsProvider",
    "TtsBase",
    "TTS_PROVIDERS",
    "UnknownTtsProvider",
    "VoiceRef",
    "parse_voice",
    "EspeakProvider",
    "PiperProvider",
    "EdgeTtsProvider",
    "KokoroProvider",
    "RecordingProvider",
    "PromptRecordingStore",
    "FallbackTts",
    "build_tts",
    "offline_chain",
    "resolve_voice",
    "MAX_PROMPT_CHARS",
    "PromptTooLong",
    "check_prompt_length",
]

_log = logging.getLogger(__name__)

#: The longest prompt text (after variables are filled in), in characters. 1,000 characters
#: are about 4 minutes of Chinese (espeak 3.8 characters/s) or 50-60 s of English (espeak
#: 17.5, piper ~19 characters/s), as long as the 60 s limit on uploaded recordings or far
#: longer; the longest prompt in scripts_library/ is 118. At the limit a render stays bounded:
#: measured here, piper 0.4 GB peak (1 GB with no punctuation at all) and ~25 s, espeak ~8 s.
MAX_PROMPT_CHARS = 1000


class PromptTooLong(TtsError):
    """The prompt text is longer than :data:`MAX_PROMPT_CHARS`; no provider was asked."""


def check_prompt_length(text: str) -> str:
    if len(text) > MAX_PROMPT_CHARS:
        raise PromptTooLong(
            f"the prompt is {len(text):,} characters; the limit is {MAX_PROMPT_CHARS:,} "
            "(about 4 minutes of Chinese speech): split it into shorter prompts"
        )
    return text


#: The TTS providers a setting (``speech.tts_provider``, ``tts_fallbacks``) or a voice
#: (``edge:...``) can name, in the order of the ``auto`` chain (the card's online voice first,
#: then the natural offline ones, espeak for every language last, recordings never for text).
TTS_PROVIDERS: Registry[type[TtsBase]] = Registry(
    "TTS provider", unknown="unknown TTS provider {name} in settings ({known})", error=UnknownTtsProvider
)
TTS_PROVIDERS.register("edge", EdgeTtsProvider)
TTS_PROVIDERS.register("kokoro", KokoroProvider)
TTS_PROVIDERS.register("piper", PiperProvider)
TTS_PROVIDERS.register("espeak", EspeakProvider)
TTS_PROVIDERS.register("recording", RecordingProvider)


def parse_voice(spec: str | None) -> VoiceRef:
    """``"espeak:cmn-latn-pinyin"`` -> (espeak, cmn-latn-pinyin); ``"zh-CN-XiaoxiaoNeural"`` -> (edge, ...).

    A voice is written ``provider:voice`` with a registered provider's name; a bare name ending
    in ``Neural`` is an edge-tts voice (the script schema's example), a bare ``*.onnx`` path a
    piper model, any other bare name an espeak voice."""
    if not spec:
        return VoiceRef(None, None)
    head, sep, tail = spec.partition(":")
    if sep and head in TTS_PROVIDERS:
        return VoiceRef(head, tail or None)
    if sep:
        raise UnknownTtsProvider(
            f"unknown TTS provider {head!r} in voice {spec!r} (expected one of {', '.join(TTS_PROVIDERS)})"
        )
    if spec.endswith("Neural"):
        return VoiceRef("edge", spec)
    if spec.endswith(".onnx"):
        return VoiceRef("piper", spec)
    return VoiceRef("espeak", spec)


def resolve_voice(provider: TtsProvider, text: str, voice: str | None) -> str:
    """The concrete voice a provider will use (part of the cache key)."""
    return voice or provider.voice_for(text)


class FallbackTts:
    """Providers in order of preference; ``cooldown_s`` keeps a failed online provider (one
    with ``needs_network = True``) out of the way for a while so every prompt of a campaign
    does not wait for the same timeout. Local engines fail per request (a bad voice, a missing
    recording) and are tried again each time."""

    name = "fallback"

    def __init__(
        self,
        providers: Sequence[TtsProvider],
        cache: PromptCache | None = None,
        cooldown_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not providers:
            raise TtsError("no TTS provider configured")
        self.providers = list(providers)
        # the chain is a provider too (the prompt cache and the call's speech take either):
        # it needs the network only when every member does, and reads what any member reads
        self.needs_network = all(p.needs_network for p in self.providers)
        self.languages = frozenset().union(*(p.languages for p in self.providers))
        self.cache = cache
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._failed_at: dict[str, tuple[float, str]] = {}

    def _order(self, ref: VoiceRef, text: str, warnings: list[str]) -> list[tuple[TtsProvider, str | None]]:
        """(provider, voice) pairs: the voice's own provider first, the others with their defaults.
        A voice whose provider this deployment lacks is reported and the chain speaks instead."""
        if ref.provider is None:
            return [(p, None) for p in self.providers if p.languages]
        first = [p for p in self.providers if p.name == ref.provider]
        # a provider that speaks no text (a recording, played by id) is never a fallback for text
        rest = [p for p in self.providers if p not in first and p.languages]
        plays_only = not (first[0].languages if first else TTS_PROVIDERS.get(ref.provider).languages)
        if plays_only and text.strip() in ("", ref.voice or ""):
            rest = []  # no prompt text to speak if the recording is missing: never read the id aloud
        if not first:
            warnings.append(f"{ref.provider}: not configured here (have {', '.join(p.name for p in rest)})")
            return [(p, None) for p in rest]
        return [(first[0], ref.voice)] + [(p, None) for p in rest]

    def voice_for(self, text: str) -> str:
        """The voice of the first provider that reads ``text`` without being given one."""
        return next((p.voice_for(text) for p in self.providers if p.languages and p.speaks(text, None)), "default")

    def speaks(self, text: str, voice: str | None) -> bool:
        return any(p.speaks(text, voice) for p in self.providers)

    def render(self, text: str, voice: str | None = None, rate: float = 1.0, refresh: bool = False) -> RenderedPrompt:
        """``refresh=True`` ignores cached renders (re-render after the online voice is back).
        Each render lands in ``huashu_tts_latency_seconds`` under the provider that spoke."""
        t0 = time.perf_counter()
        out = self._render(text, voice, rate, refresh)
        observe_tts(out.provider, out.cached, time.perf_counter() - t0)
        return out

    def _render(self, text: str, voice: str | None, rate: float, refresh: bool) -> RenderedPrompt:
        if not text.strip():
            raise TtsError("nothing to say: the prompt text is empty")
        check_prompt_length(text)
        check_rate(rate)
        warnings: list[str] = []
        order = [(p, v) for p, v in self._order(parse_voice(voice), text, warnings) if p.speaks(text, v)]
        hit = None if refresh else self._cached(order, text, rate)
        if hit is not None:
            return replace(hit, warnings=tuple(warnings))
        for provider, v in order:
            failed = self._failed_at.get(provider.name)
            if failed and self._clock() - failed[0] < self.cooldown_s:
                warnings.append(f"{provider.name}: skipped, failed {self._clock() - failed[0]:.0f} s ago ({failed[1]})")
                continue
            try:
                out = provider.render(text, v, rate)
                if out.duration_ms <= 0 or not any(out.pcm):
                    raise TtsError("rendered silence")
            except Exception as exc:  # any failure of one provider is a reason to try the next
                if isinstance(exc, TtsError):
                    reason = str(exc)
                    _log.warning("TTS provider %s failed, trying the next: %s", provider.name, reason)
                else:  # the provider did not expect this: keep the traceback in the log
                    reason = f"{type(exc).__name__}: {exc}"
                    _log.warning("TTS provider %s raised %s, trying the next", provider.name, reason, exc_info=True)
                if provider.needs_network:  # an outage, not this one request
                    self._failed_at[provider.name] = (self._clock(), reason)
                warnings.append(f"{provider.name}: {reason}")
                continue
            self._failed_at.pop(provider.name, None)
            if self.cache is not None:
                self.cache.put(provider.name, resolve_voice(provider, text, v), rate, text, out)
            return replace(out, warnings=tuple(warnings))
        raise TtsError("every TTS provider failed: " + "; ".join(warnings or ["none can speak this text"]))

    def _cached(self, order: list[tuple[TtsProvider, str | None]], text: str, rate: float) -> RenderedPrompt | None:
        """The most preferred provider's cached render, without touching any engine or network:
        a prompt rendered once (by the fallback, if the online voice was down) never waits
        for a timeout again. ``prerender(..., refresh=True)`` renders anew."""
        if self.cache is None:
            return None
        for provider, v in order:
            hit = self.cache.get(provider.name, resolve_voice(provider, text, v), rate, text)
            if hit is not None:
                return hit
        return None


def build_tts(settings: Settings | None = None, cache: PromptCache | None = None) -> FallbackTts:
    """The chain the settings ask for. ``auto``: every registered provider that speaks text and
    is installed, in registration order: edge first (the card's neural voices), then the offline
    engines — Kokoro (natural Mandarin), piper (natural, English), and espeak (robotic, every
    language) last."""
    if settings is None:
        from huashu.core.config import get_settings

        settings = get_settings()
    sp = settings.speech
    if sp.tts_provider == "auto":
        names = [n for n in TTS_PROVIDERS if TTS_PROVIDERS.get(n).languages and TTS_PROVIDERS.get(n).available()]
    else:
        names = [sp.tts_provider, *sp.tts_fallbacks]
    names.append("recording")  # plays `recording:<id>` voices; never a fallback for text
    seen: list[str] = []
    for n in names:
        if n not in seen:
            seen.append(n)
    return FallbackTts([TTS_PROVIDERS.get(n).from_settings(settings) for n in seen], cache=cache)


def offline_chain(settings: Settings, cache: PromptCache | None = None) -> FallbackTts:
    """Every installed provider that speaks text without the network, in registration order
    (Kokoro for Chinese when installed, piper for English, espeak for every language)."""
    kinds = [TTS_PROVIDERS.get(n) for n in TTS_PROVIDERS]
    return FallbackTts(
        [k.from_settings(settings) for k in kinds if k.languages and not k.needs_network and k.available()],
        cache=cache,
    )
