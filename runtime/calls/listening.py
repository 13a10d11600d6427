"""The call's ear: customer audio -> VAD -> barge-in and recogniser -> heard words.

Runs as one task per answered call. The VAD's *start* of speech stops a barge-in-able
prompt at once (the recogniser's final result comes much later) and tells the session the
customer is talking, so a silence timer firing meanwhile is held; the *end* of speech
finishes the recogniser stream and hands the words over. A far end that stops sending RTP in
the middle of an utterance (no comfort noise) still ends the turn after the end-of-turn
silence, measured on the session's clock.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from runtime import metrics
from runtime.calls.speech import OracleAsr, SpeechKit
from runtime.dialog.actions import Listen
from runtime.nlu.closedset import ClosedSet, decide
from telephony.media.endpointing import SpeechEnded, SpeechStarted
from telephony.simulator.clock import Clock, holding

__all__ = ["Heard", "Hearing", "Ear", "listen"]

_PREROLL_FRAMES = 15  # 300 ms of audio before the VAD declares speech, for the recogniser
_END = b"\x00end"


@dataclass(frozen=True, slots=True)
class Heard:
    """What the customer said (recognised, or given as text in text mode)."""

    text: str
    confidence: float
    branch_hint: str | None = None  # the closed set's choice (runtime.nlu.closedset.decide)
    note: str = ""


@dataclass(frozen=True, slots=True)
class Hearing:
    """The VAD heard speech start (True) or the utterance was recognised or dropped (False)."""

    active: bool


class Ear:
    """Turns VAD events into barge-in, recogniser streams and :class:`Heard` items."""

    def __init__(
        self,
        asr: Any,
        oracle: bool,
        *,
        emit: Callable[[Heard | Hearing], None],
        barge_in: Callable[[], Awaitable[bool]],
        listening: Callable[[], Listen | None],
        clock: Clock | None = None,
        closed: ClosedSet | None = None,
    ) -> None:
        self.asr = asr
        self.closed = closed
        self._lis: Listen | None = None
        self.oracle = oracle
        self._emit = emit
        self._barge_in = barge_in
        self._listening = listening
        self._clock = clock
        self.pre: deque[bytes] = deque(maxlen=_PREROLL_FRAMES)
        self.stream: Any = None

    async def events(self, found: list[Any], frame: bytes) -> None:
        if frame:
            if self.stream is not None:
                self.stream.accept(frame)
            else:
                self.pre.append(frame)
        for e in found:
            if isinstance(e, SpeechStarted):
                await self._started()
            elif isinstance(e, SpeechEnded) and self.stream is not None:
                done, self.stream = self.stream, None
                if not e.too_short:
                    await self._ended(done)
                self._emit(Hearing(False))

    async def _started(self) -> None:
        self._emit(Hearing(True))
        await self._barge_in()
        lis = self._listening()
        self._lis = lis
        self.stream = self.asr.new_stream(
            lis.expected if lis else (), lis.grammar if lis else False, lis.hotwords if lis else ()
        )
        for f in self.pre:
            self.stream.accept(f)
        self.pre.clear()

    async def _ended(self, done: Any) -> None:
        # ASR latency is real (wall) time from the end of speech to the final result: the
        # recogniser's CPU work, which virtual time does not see.
        t0 = time.perf_counter()
        if self.oracle:
            result = done.finish()
        else:
            with holding(self._clock):
                result = await asyncio.to_thread(done.finish)
        metrics.observe_asr(str(getattr(self.asr, "name", type(self.asr).__name__)), time.perf_counter() - t0)
        # The provider already decided rejection on its own scale; dialog_confidence carries that
        # decision to the matcher (0.0 when rejected, above its threshold when accepted).
        conf = result.dialog_confidence if hasattr(result, "dialog_confidence") else (
            0.0 if result.rejected else (result.confidence if result.confidence is not None else 1.0)
        )
        if not result.text.strip():
            return
        lis = self._lis
        if self.closed is not None and lis is not None and not self.oracle:
            v = decide(self.closed, lis.node_id, result.text, conf, bool(result.rejected))
            self._emit(Heard(v.text, v.confidence, v.branch_hint, v.note))
        else:
            self._emit(Heard(result.text, conf))


async def listen(
    frames_source: AsyncIterator[bytes],
    speech: SpeechKit,
    clock: Clock,
    ear_for: Callable[[Any, bool], Ear],
    oracle: Callable[[], tuple[str, float]] | None,
) -> None:
    """Feed every incoming frame through the VAD and ``ear_for(asr, is_oracle)`` until hangup."""
    vad = speech.vad_factory()
    asr: Any = speech.asr
    if asr is None:
        if oracle is None:
            return  # no recogniser and no oracle: only DTMF reaches the engine
        asr = OracleAsr(oracle)
    ear = ear_for(asr, speech.asr is None)
    frames = frames_source.__aiter__()
    gap_s = vad.endpointer.config.speech_end_silence_ms / 1000
    pending: asyncio.Future[bytes] | None = None
    index = 0
    try:
        while True:
            if vad.in_speech or pending is not None:
                if pending is None:
                    pending = asyncio.ensure_future(anext(frames, _END))
                if vad.in_speech:
                    sleeper: asyncio.Future[Any] = asyncio.ensure_future(clock.sleep(gap_s))
                    racers: list[asyncio.Future[Any]] = [pending, sleeper]
                    try:
                        await asyncio.wait(racers, return_when=asyncio.FIRST_COMPLETED)
                    finally:
                        sleeper.cancel()
                    if not pending.done():  # no frame for the end-of-turn silence: that is silence
                        await ear.events(vad.flush(), b"")
                        continue
                frame = await pending
                pending = None
            else:
                frame = await anext(frames, _END)
            if frame is _END:
                return
            at_ms, index = index * 20, index + 1
            await ear.events(vad.feed(frame, at_ms), frame)
    finally:
        if pending is not None:
            pending.cancel()
