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

from huashu.core import metrics
from runtime.calls.early_turn import EarlyTurnConfig, next_step
from runtime.calls.speech import OracleAsr, SpeechKit
from runtime.dialog.actions import Listen
from runtime.nlu.closedset import ClosedSet, Verdict, decide
from runtime.speech.forced import rescore
from telephony.media.endpointing import SpeechEnded, SpeechStarted
from telephony.simulator.clock import Clock, holding

__all__ = ["Heard", "Hearing", "Ear", "TurnBudget", "listen"]

_PREROLL_FRAMES = 15  # 300 ms of audio before the VAD declares speech, for the recogniser
_END = b"\x00end"


@dataclass(frozen=True, slots=True)
class Heard:
    """What the customer said (recognised, or given as text in text mode)."""

    text: str
    confidence: float
    branch_hint: str | None = None  # the closed set's choice (runtime.nlu.closedset.decide)
    note: str = ""
    budget: TurnBudget | None = None  # where the time between end of speech and the answer went


@dataclass(slots=True)
class TurnBudget:
    """One turn's latency, in ms from the end of the customer's speech: the silence the
    endpointer waited (``endpoint_ms``), the recogniser's result after that (``recognise_ms``;
    ~0 when a speculative decode finished during the pause), the closed-set pass
    (``match_ms``); the session adds ``first_audio_ms`` (answer -> first frame of the reply)."""

    endpoint_ms: int
    recognise_ms: float
    match_ms: float
    early: bool  # the turn ended at the short pause (a confident closed-set match)
    speculative: bool  # the final result came from the speculative decode
    first_audio_ms: float | None = None

    @property
    def total_ms(self) -> float:
        return self.endpoint_ms + self.recognise_ms + self.match_ms + (self.first_audio_ms or 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {"endpoint_ms": self.endpoint_ms, "recognise_ms": round(self.recognise_ms, 1),
                "match_ms": round(self.match_ms, 2), "first_audio_ms": (None if self.first_audio_ms is None
                                                                      else round(self.first_audio_ms, 1)),
                "total_ms": round(self.total_ms, 1), "early": self.early, "speculative": self.speculative}


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
        early: EarlyTurnConfig | None = None,
        end_silence_ms: int = 600,
        forced: bool = False,
    ) -> None:
        self.asr = asr
        self.closed = closed
        self.early = early
        self.forced = forced  # forced scoring of rejected words (runtime.speech.forced; off by default)
        self.end_silence_ms = end_silence_ms
        self._lis: Listen | None = None
        self._spec: asyncio.Future[Any] | None = None  # speculative decode of the audio up to this pause
        self._spec_verdict: Verdict | None = None
        self._ending_early = False
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
                self._spec, self._spec_verdict, self._ending_early = None, None, False
                self._emit(Hearing(False))

    async def pause(self, pause_ms: int, speech_ms: int) -> bool:
        """Called on every frame of an utterance with the silence so far; True: end the turn now.

        Speech again (``pause_ms`` 0) makes a speculative result stale. Only streams with
        ``peek()`` (a decode of the audio so far that leaves the stream open) speculate."""
        if self.early is None or self.stream is None or self.oracle or not hasattr(self.stream, "peek"):
            return False
        if pause_ms == 0:
            self._spec, self._spec_verdict = None, None
            return False
        confident: bool | None = None
        if self._spec is not None and self._spec.done():
            confident = self._confident()
        step = next_step(self.early, pause_ms, speech_ms, self._spec is not None, confident)
        if step == "speculate":
            self._spec = asyncio.ensure_future(asyncio.to_thread(self.stream.peek))
        elif step == "end":
            self._ending_early = True
            return True
        return False

    def _confident(self) -> bool:
        """Whether the finished speculative result is a confident closed-set match on a closed node."""
        assert self._spec is not None and self.early is not None
        lis = self._lis
        if self._spec.cancelled() or self._spec.exception() is not None or self.closed is None or lis is None:
            return False
        if self._spec_verdict is None:
            r = self._spec.result()
            self._spec_verdict = decide(self.closed, lis.node_id, r.text, r.dialog_confidence, bool(r.rejected))
        v = self._spec_verdict
        return (v.branch_hint is not None and v.choice is not None and not self.closed.is_open(lis.node_id)
                and v.choice.confidence >= self.early.min_confidence)

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
        spec = self._spec
        if self.oracle:
            result = done.finish()
        elif spec is not None:  # no speech since it started: the pause's decode is the final result
            with holding(self._clock):
                result = await spec
        else:
            with holding(self._clock):
                result = await asyncio.to_thread(done.finish)
        t1 = time.perf_counter()
        metrics.observe_asr(str(getattr(self.asr, "name", type(self.asr).__name__)), t1 - t0)
        # The provider already decided rejection on its own scale; dialog_confidence carries that
        # decision to the matcher (0.0 when rejected, above its threshold when accepted).
        conf = result.dialog_confidence if hasattr(result, "dialog_confidence") else (
            0.0 if result.rejected else (result.confidence if result.confidence is not None else 1.0)
        )
        if not result.text.strip():
            return
        lis = self._lis
        early = self._ending_early and self.early is not None
        endpoint_ms = (self.early.end_after_ms if early and self.early is not None else self.end_silence_ms)
        if self.closed is not None and lis is not None and not self.oracle:
            v = decide(self.closed, lis.node_id, result.text, conf, bool(result.rejected))
            scorer = getattr(done, "score", None) if self.forced else None
            beam = getattr(done, "alternatives", None)  # n-best: always, where the recogniser has it
            if (scorer is not None or beam is not None) and v.choice is not None and v.choice.rejected:
                with holding(self._clock):  # the decoder's work is real time, as the recognition is
                    v = await asyncio.to_thread(rescore, self.closed, lis.node_id, v, scorer, beam)
            t2 = time.perf_counter()
            budget = TurnBudget(endpoint_ms, (t1 - t0) * 1000, (t2 - t1) * 1000, early, spec is not None)
            self._emit(Heard(v.text, v.confidence, v.branch_hint, v.note, budget))
        else:
            budget = TurnBudget(endpoint_ms, (t1 - t0) * 1000, 0.0, False, False)
            self._emit(Heard(result.text, conf, budget=budget))


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
            if vad.in_speech:
                ep = vad.endpointer
                if await ear.pause(ep.pause_ms(at_ms + 20), ep.speech_so_far_ms()):
                    await ear.events(ep.end_now(), b"")
    finally:
        if pending is not None:
            pending.cancel()
