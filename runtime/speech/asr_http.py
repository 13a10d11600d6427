"""A speech server as recogniser: POST the utterance as WAV to an OpenAI-compatible
``/v1/audio/transcriptions`` endpoint (faster-whisper-server, LocalAI, vLLM, OpenAI itself).

Like Whisper it decodes whole utterances: frames are buffered until :meth:`finish`. The
node's hotwords (else its expected phrases) go in the ``prompt`` field, which these servers pass to the model
as context. ``verbose_json`` is asked for so a confidence can be derived from segment
log-probabilities when the server returns them; otherwise ``confidence`` is ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from runtime.speech.asr_base import AsrError, AsrResult
from runtime.speech.whole_utterance import WholeUtteranceStream
from telephony.media.audio import SAMPLE_RATE, wav_bytes

__all__ = ["HttpAsrProvider", "HttpAsrStream"]


class HttpAsrStream(WholeUtteranceStream["HttpAsrProvider"]):
    """The utterance goes to the server in one request at :meth:`finish`, the prompt with it."""


class HttpAsrProvider:
    """``url``: the server base (``http://127.0.0.1:8001``) or the full transcriptions URL."""

    name = "http"
    streaming = False
    needs_network = True

    def __init__(
        self,
        url: str,
        model: str = "whisper-1",
        language: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 15.0,
    ) -> None:
        self.url = url if url.rstrip("/").endswith("/audio/transcriptions") else url.rstrip("/") + "/v1/audio/transcriptions"
        self.model = model
        self.language = language
        self.api_key = api_key
        self.timeout_s = timeout_s

    def new_stream(
        self, expected: Sequence[str] = (), grammar: bool = False, hotwords: Sequence[str] = ()
    ) -> HttpAsrStream:
        phrases = list(dict.fromkeys(hotwords or expected))
        return HttpAsrStream(self, ", ".join(phrases)[:500] or None)

    def transcribe(self, pcm8k: bytes, prompt: str | None = None) -> AsrResult:
        import httpx

        audio_ms = len(pcm8k) // 2 * 1000 // SAMPLE_RATE
        data: dict[str, str] = {"model": self.model, "response_format": "verbose_json", "temperature": "0"}
        if self.language:
            data["language"] = self.language
        if prompt:
            data["prompt"] = prompt
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            resp = httpx.post(
                self.url,
                data=data,
                files={"file": ("utterance.wav", wav_bytes(pcm8k), "audio/wav")},
                headers=headers,
                timeout=self.timeout_s,
            )
        except httpx.HTTPError as exc:
            raise AsrError(f"ASR server {self.url} unreachable: {type(exc).__name__}: {exc}") from exc
        if resp.status_code != 200:
            raise AsrError(f"ASR server {self.url} answered {resp.status_code}: {resp.text[:200]}")
        try:
            body: dict[str, Any] = resp.json()
            text = str(body["text"]).strip()
        except (ValueError, KeyError, TypeError) as exc:
            raise AsrError(f"ASR server {self.url} sent no JSON 'text': {resp.text[:200]}") from exc
        segs = [s for s in body.get("segments") or () if isinstance(s, dict) and "avg_logprob" in s]
        conf = math.exp(sum(float(s["avg_logprob"]) for s in segs) / len(segs)) if segs else None
        return AsrResult(
            text=text,
            confidence=None if conf is None else round(conf, 3),
            rejected=not text,
            provider=self.name,
            reason="" if text else "nothing recognised",
            audio_ms=audio_ms,
        )
