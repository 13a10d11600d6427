"""What a call needs from speech: prompt audio, a recogniser per utterance, and a VAD per call.

Structural types only, so the session works with the speech package's providers
(``runtime.speech``) or with small fakes in tests, and does not import engines it is not
given. ``speech=None`` in :func:`~runtime.calls.session.run_call` is text mode: prompts last
as long as they would take to say, the customer's words arrive as text.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from huashu.core import metrics
from runtime.calls.early_turn import EarlyTurnConfig
from telephony.contract import SAMPLE_RATE
from telephony.media.vad import FrameVad

__all__ = ["SpeechKit", "estimate_prompt_ms", "silent_prompt", "OracleAsr"]

_CJK = re.compile(r"[\u4e00-\u9fff]")


class _Rendered(Protocol):
    pcm: bytes


class _Tts(Protocol):
    def render(self, text: str, voice: str | None = None, rate: float = 1.0) -> Any: ...


class _AsrStream(Protocol):
    def accept(self, pcm_frame: bytes) -> Any: ...

    def finish(self) -> Any: ...


class _Asr(Protocol):
    def new_stream(
        self, expected: Sequence[str] = (), grammar: bool = False, hotwords: Sequence[str] = ()
    ) -> Any: ...


def estimate_prompt_ms(text: str, cps_zh: float = 4.5, cps_latin: float = 14.0) -> int:
    """How long a prompt takes to say: ~4.5 Chinese characters or ~14 Latin characters a second."""
    zh = len(_CJK.findall(text))
    other = len(re.sub(r"\s+", " ", _CJK.sub("", text)).strip())
    return max(400, int(1000 * (zh / cps_zh + other / cps_latin)))


def silent_prompt(text: str) -> bytes:
    """Text mode's stand-in for a prompt: silence as long as saying ``text`` would take."""
    return bytes(estimate_prompt_ms(text) * SAMPLE_RATE // 1000 * 2)


@dataclass
class SpeechKit:
    """The speech side of a call. ``asr=None`` with a simulator handle uses its transcript oracle."""

    tts: _Tts
    asr: _Asr | None = None
    voice: str | None = None
    rate: float = 1.0
    vad_factory: Callable[[], FrameVad] = FrameVad
    # early end of turn for recognisers that can decode speculatively (None: always the full silence)
    early_turn: EarlyTurnConfig | None = field(default_factory=EarlyTurnConfig)
    forced_scoring: bool = False  # runtime.speech.forced: off until it passes the false-accept floor
    cache_items: int = 512
    # key -> (pcm, provider that rendered it)
    _cache: OrderedDict[tuple[str, str | None, str | None, float], tuple[bytes, str]] = field(
        default_factory=OrderedDict
    )

    def end_silence_ms(self) -> int:
        """The endpointer's full end-of-turn silence (what a turn waits without an early end)."""
        return self.vad_factory().endpointer.config.speech_end_silence_ms

    def cached(self, text: str, audio: str | None) -> bytes | None:
        key = (text, audio, self.voice, self.rate)
        hit = self._cache.get(key)
        if hit is None:
            return None
        self._cache.move_to_end(key)
        return hit[0]

    async def render(self, text: str, audio: str | None) -> bytes:
        """8 kHz PCM for a prompt; renders off the event loop, remembers the last ``cache_items``.

        A hit here is a TTS cache hit in ``huashu_tts_latency_seconds`` (the TTS chain
        observes its own renders and disk hits, which this memory sits in front of)."""
        key = (text, audio, self.voice, self.rate)
        t0 = time.perf_counter()
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            metrics.observe_tts(hit[1], True, time.perf_counter() - t0)
            return hit[0]
        if audio:
            out = await asyncio.to_thread(self.tts.render, text or audio, f"recording:{audio}", 1.0)
        else:
            out = await asyncio.to_thread(self.tts.render, text, self.voice, self.rate)
        pcm: bytes = out.pcm
        self._cache[key] = (pcm, str(getattr(out, "provider", getattr(self.tts, "name", "tts"))))
        if len(self._cache) > self.cache_items:
            self._cache.popitem(last=False)
        return pcm


@dataclass
class _OracleResult:
    text: str
    confidence: float | None
    rejected: bool = False


class _OracleStream:
    def __init__(self, source: Callable[[], tuple[str, float]]) -> None:
        self._source = source
        self.frames = 0

    def accept(self, pcm_frame: bytes) -> None:
        self.frames += 1

    def finish(self) -> _OracleResult:
        text, conf = self._source()
        return _OracleResult(text, conf, rejected=not text)


class OracleAsr:
    """A recogniser that already knows the answer: the simulated customer's own words.

    For load benchmarks and tests of the audio path (frames, VAD, endpointing, barge-in,
    recording) where a real recogniser's ~1 s of CPU per utterance would measure the
    recogniser, not the plumbing. Never used on real calls.
    """

    name = "oracle"

    def __init__(self, source: Callable[[], tuple[str, float]]) -> None:
        self._source = source

    def new_stream(
        self, expected: Sequence[str] = (), grammar: bool = False, hotwords: Sequence[str] = ()
    ) -> Any:
        return _OracleStream(self._source)
