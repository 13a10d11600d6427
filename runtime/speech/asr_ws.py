"""A vosk-server (WebSocket) as recogniser: streaming like local vosk, the model on another box.

Protocol of alphacep/vosk-server: a JSON ``{"config": {...}}`` message first (sample rate,
``phrase_list`` for grammar mode, ``words``), then binary audio; the server answers every
message with ``{"partial": ...}`` or a final ``{"result": [...], "text": ...}``; ``{"eof": 1}``
asks for the last result. Audio goes out in 100 ms chunks (5 frames) to keep round trips
per call at 10 a second.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import ExitStack
from typing import Any

from runtime.speech.asr_base import AsrError, AsrResult, Partial
from runtime.speech.asr_vosk import vosk_words
from runtime.speech.rejection import FREE_POLICY, GRAMMAR_POLICY, RejectionPolicy, ToneDetector, verdict
from telephony.media.audio import SAMPLE_RATE

__all__ = ["VoskServerProvider", "VoskServerStream"]

_CHUNK_BYTES = SAMPLE_RATE // 10 * 2  # 100 ms


class VoskServerStream:
    def __init__(
        self, conn: ExitStack, ws: Any, policy: RejectionPolicy, phrases: Sequence[str], grammar: bool,
        timeout_s: float,
    ) -> None:
        self._conn = conn  # owns the connection: closing it closes the WebSocket
        self._ws = ws
        self._policy = policy
        self._phrases = frozenset(phrases) if grammar else frozenset()
        self._timeout_s = timeout_s
        self._buf = bytearray()
        self._segments: list[dict[str, Any]] = []
        self._last_partial = ""
        self._bytes = 0
        self._tone = ToneDetector()

    def _exchange(self, message: bytes | str) -> dict[str, Any]:
        from websockets.exceptions import WebSocketException

        try:
            self._ws.send(message)
            reply = self._ws.recv(timeout=self._timeout_s)
        except (OSError, TimeoutError, WebSocketException) as exc:
            raise AsrError(f"vosk-server connection failed: {type(exc).__name__}: {exc}") from exc
        try:
            out: dict[str, Any] = json.loads(reply)
        except (TypeError, ValueError) as exc:
            raise AsrError(f"vosk-server sent something that is not JSON: {str(reply)[:100]}") from exc
        return out

    def accept(self, pcm_frame: bytes) -> Partial | None:
        self._buf += pcm_frame
        self._bytes += len(pcm_frame)
        self._tone.add(pcm_frame)
        if len(self._buf) < _CHUNK_BYTES:
            return None
        reply = self._exchange(bytes(self._buf))
        self._buf.clear()
        if "result" in reply or "text" in reply:
            self._segments.append(reply)
            self._last_partial = ""
            return None
        text = str(reply.get("partial", ""))
        if text and text != self._last_partial:
            self._last_partial = text
            return Partial(text)
        return None

    def finish(self) -> AsrResult:
        try:
            if self._buf:
                reply = self._exchange(bytes(self._buf))
                if "result" in reply or "text" in reply:
                    self._segments.append(reply)
            self._segments.append(self._exchange('{"eof" : 1}'))
        finally:
            self._conn.close()
        words = vosk_words(self._segments)
        text = " ".join(w.word for w in words) or " ".join(
            str(s.get("text", "")) for s in self._segments if s.get("text")
        ).strip()
        confs = [w.confidence for w in words]
        rejected, reason = verdict(text, confs or ([1.0] if text else []), self._policy, self._phrases,
                                   non_speech=self._tone.reason())
        return AsrResult(
            text=text,
            confidence=(sum(confs) / len(confs)) if confs else None,
            words=words,
            rejected=rejected,
            provider="vosk-server",
            reason=reason,
            audio_ms=self._bytes // 2 * 1000 // SAMPLE_RATE,
        )


class VoskServerProvider:
    """``url``: ``ws://host:2700``. One WebSocket per stream (per call turn)."""

    name = "vosk-server"
    streaming = True
    needs_network = True

    def __init__(
        self,
        url: str,
        timeout_s: float = 10.0,
        grammar_policy: RejectionPolicy = GRAMMAR_POLICY,
        free_policy: RejectionPolicy = FREE_POLICY,
    ) -> None:
        if not url.startswith(("ws://", "wss://")):
            raise AsrError(f"vosk-server URL must start with ws:// or wss://, got {url!r}")
        self.url = url
        self.timeout_s = timeout_s
        self.grammar_policy = grammar_policy
        self.free_policy = free_policy

    def new_stream(
        self, expected: Sequence[str] = (), grammar: bool = False, hotwords: Sequence[str] = ()
    ) -> VoskServerStream:
        from websockets.exceptions import WebSocketException
        from websockets.sync.client import connect

        phrases = [" ".join(p.lower().split()) for p in (*expected, *hotwords) if p.strip()]
        config: dict[str, Any] = {"sample_rate": SAMPLE_RATE, "words": 1}
        if grammar:
            if not phrases:
                raise AsrError("grammar mode needs expected phrases")
            config["phrase_list"] = phrases
        conn = ExitStack()
        try:
            ws = conn.enter_context(connect(self.url, open_timeout=self.timeout_s, close_timeout=1))
            ws.send(json.dumps({"config": config}, ensure_ascii=False))
        except (OSError, TimeoutError, WebSocketException) as exc:
            conn.close()
            raise AsrError(f"vosk-server {self.url} unreachable: {type(exc).__name__}: {exc}") from exc
        policy = self.grammar_policy if grammar else self.free_policy
        return VoskServerStream(conn, ws, policy, phrases, grammar, self.timeout_s)
