"""edge-tts: Microsoft's online neural voices (the product card's choice), MP3 -> 8 kHz.

Online means it can be slow or down; :class:`runtime.speech.tts.FallbackTts` puts an
offline engine behind it and reports the failure. ``proxy`` is passed to edge-tts
(deployments behind a proxy; tests point it at a refused 127.0.0.1 port).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import re

from runtime.speech.ffmpeg import DecodeError, decode
from runtime.speech.tts_base import RenderedPrompt, TtsBase, TtsError, check_rate, has_han
from telephony.media.audio import resample_to_8k

__all__ = ["EdgeTtsProvider"]

_DEFAULT_VOICE = "zh-CN-XiaoxiaoNeural"
_DEFAULT_EN_VOICE = "en-US-AriaNeural"
_SERVICE_HOST = "speech.platform.bing.com"
_OBJECT_REPR = re.compile(r"\s*ssl:<[^>]*>|<[^<>]* object at 0x[0-9a-f]+>")


def _describe(exc: BaseException, proxy: str | None) -> str:
    """What went wrong, in words an operator can act on: which host could not be reached and
    why, rather than aiohttp's text (which embeds the ``ssl.SSLContext`` object's repr)."""
    os_error = getattr(exc, "os_error", None)
    host = getattr(exc, "host", None)
    if host is not None and isinstance(os_error, OSError):
        reason = (os.strerror(os_error.errno) if isinstance(os_error.errno, int) and os_error.errno > 0
                  else os_error.strerror or str(os_error) or type(os_error).__name__).lower()
        via = "the proxy " if proxy and host != _SERVICE_HOST else ""
        return f"cannot reach {via}{host} ({reason})"
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return f"no answer from {_SERVICE_HOST} in time (timed out)"
    text = _OBJECT_REPR.sub("", str(exc)).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class EdgeTtsProvider(TtsBase):
    name = "edge"
    needs_network = True  # online: a failure means an outage, so the chain skips it for a while

    def __init__(
        self, default_voice: str = _DEFAULT_VOICE, proxy: str | None = None, connect_timeout_s: int = 5,
        receive_timeout_s: int = 20, default_en_voice: str = _DEFAULT_EN_VOICE,
    ) -> None:
        self.default_voice = default_voice
        self.default_en_voice = default_en_voice
        self.proxy = proxy
        self.connect_timeout_s = connect_timeout_s
        self.receive_timeout_s = receive_timeout_s

    def voice_for(self, text: str) -> str:
        """Default voice by the text's language: Chinese characters -> the Chinese voice."""
        return self.default_voice if has_han(text) else self.default_en_voice

    async def _mp3(self, text: str, voice: str, rate: float) -> bytes:
        import edge_tts

        pct = round((rate - 1.0) * 100)
        comm = edge_tts.Communicate(
            text, voice, rate=f"{pct:+d}%", proxy=self.proxy,
            connect_timeout=self.connect_timeout_s, receive_timeout=self.receive_timeout_s,
        )
        parts: list[bytes] = []
        async for chunk in comm.stream():
            if chunk["type"] == "audio" and "data" in chunk:
                parts.append(chunk["data"])
        return b"".join(parts)

    def render(self, text: str, voice: str | None = None, rate: float = 1.0) -> RenderedPrompt:
        check_rate(rate)
        v = voice or self.voice_for(text)
        try:
            # render() is synchronous; run the coroutine on a private loop so it also works
            # when the caller already runs inside an event loop (the web app).
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                mp3 = pool.submit(asyncio.run, self._mp3(text, v, rate)).result()
        except Exception as exc:  # edge-tts/aiohttp raise many kinds; all mean "no audio from edge"
            raise TtsError(f"edge-tts failed for voice {v!r}: {_describe(exc, self.proxy)}") from exc
        if not mp3:
            raise TtsError(f"edge-tts returned no audio for voice {v!r}")
        try:
            pcm = decode(mp3, 24000)
        except DecodeError as exc:
            raise TtsError(f"edge-tts audio could not be decoded: {exc}") from exc
        return RenderedPrompt.of(resample_to_8k(pcm, 24000), self.name, v)
