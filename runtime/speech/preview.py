"""The editor's prompt preview: a prompt rendered with the script's voice, as a WAV for the browser.

It goes through the same chain and cache as calls, so what the designer hears is what the
customer will hear (8 kHz, the same fallback if the online voice is down — and the
warnings say so, for the editor to show).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runtime.speech.cache import PrerenderReport, PromptCache, prerender, render_prompt
from runtime.speech.tts import FallbackTts, RenderedPrompt, build_tts
from telephony.media.audio import wav_bytes

if TYPE_CHECKING:
    from huashu.core.config import Settings

__all__ = ["prompt_cache", "default_tts", "preview_wav", "prerender_version"]


def prompt_cache(settings: Settings) -> PromptCache:
    return _cache(str(Path(settings.data_dir) / "prompt-cache"))


@lru_cache(maxsize=4)
def _cache(root: str) -> PromptCache:
    return PromptCache(root)


def default_tts(settings: Settings | None = None) -> FallbackTts:
    """The process-wide TTS chain (one per settings object: providers hold loaded models)."""
    if settings is None:
        from huashu.core.config import get_settings

        settings = get_settings()
    return _chain(id(settings), settings)


_CHAINS: dict[int, FallbackTts] = {}


def _chain(key: int, settings: Settings) -> FallbackTts:
    if key not in _CHAINS:
        _CHAINS[key] = build_tts(settings, cache=prompt_cache(settings))
    return _CHAINS[key]


def preview_wav(
    text: str,
    voice: str | None = None,
    variables: Mapping[str, Any] | None = None,
    rate: float = 1.0,
    settings: Settings | None = None,
) -> tuple[bytes, RenderedPrompt]:
    """(WAV bytes, the rendered prompt with provider/voice/warnings). Raises ``TtsError``."""
    tts = default_tts(settings)
    assert tts.cache is not None
    out = render_prompt(tts, tts.cache, text, variables, voice, rate)
    return wav_bytes(out.pcm), out


def prerender_version(document: Mapping[str, Any], settings: Settings | None = None) -> PrerenderReport:
    """Render every static prompt of an approved version into this machine's prompt cache, with
    the script's voice through the configured chain, so no call waits for TTS on them.
    Failures are in the report (the runtime still renders them at call time, with fallback)."""
    tts = default_tts(settings)
    assert tts.cache is not None
    return prerender(document, tts, tts.cache)

