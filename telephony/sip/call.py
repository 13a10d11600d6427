"""The contract's call handle for a SIP call: events out, media in and out, commands back.

Signalling lives in the driver (it owns the socket and the transactions); this object holds
one call's state and turns what the driver learns into contract events, exactly once each
and always ending with :class:`HungUp`.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import AsyncIterator
from typing import Protocol

from telephony.contract import (
    DTMF_DIGITS,
    Answered,
    CallEvent,
    DtmfReceived,
    EarlyMedia,
    HangupBy,
    HungUp,
    PlaybackFinished,
    RecordingSink,
    Ringing,
    drain_events,
    drain_frames,
)
from telephony.outcomes import HangupCause, Outcome, cause_from_freeswitch, outcome_for_call
from telephony.sip.media import RtpStream

__all__ = ["SipCall", "Signalling", "CallState"]

_log = logging.getLogger(__name__)
_FRAME_QUEUE = 500  # 10 s of customer audio before the oldest frames are dropped


class CallState:
    CALLING = "calling"
    EARLY = "early"
    ANSWERED = "answered"
    ENDED = "ended"


class Signalling(Protocol):
    """What a call asks of the driver that owns its SIP dialog."""

    def send_bye(self, call: SipCall) -> None: ...

    def send_cancel(self, call: SipCall) -> bool: ...

    def send_refer(self, call: SipCall, destination: str) -> None: ...

    def release(self, call: SipCall) -> None: ...


class SipCall:
    """One call; created by the driver, which feeds it with ``on_*`` methods."""

    def __init__(self, call_id: str, signalling: Signalling) -> None:
        self.call_id = call_id
        self.sip_call_id = ""
        self.outcome: Outcome | None = None
        self.answered_at: float | None = None
        self.ended_at: float | None = None
        self.cause: HangupCause | None = None
        self.state = CallState.CALLING
        self.cancel_sent = False
        self.cancel_pending = False
        self.got_response = False
        self.hangup_reason = "NORMAL_CLEARING"  # sent as the Reason of our BYE/CANCEL
        # Retry-After of a final rejection (503 overload, 486/480/600/603), in seconds: the
        # carrier's own word on when to try this number or trunk again.
        self.retry_after_s: int | None = None
        self.sdp_session = secrets.randbits(31)
        self.sdp_version = 1
        self._sig = signalling
        self._events: asyncio.Queue[CallEvent] = asyncio.Queue()
        self._frames: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=_FRAME_QUEUE)
        self.frames_dropped = 0
        self.early_frames_dropped = 0  # heard before answer and never read (dropped at answer)
        self._ringing_sent = False
        self._early_sent = False
        self._pending_plays: set[int] = set()
        self.stream = RtpStream(self._on_dtmf, self._on_play_done, self._on_frame)
        self.timers: list[asyncio.Task[None]] = []

    # --- contract: CallHandle -------------------------------------------------------------
    def events(self) -> AsyncIterator[CallEvent]:
        return drain_events(self._events)

    def incoming_frames(self) -> AsyncIterator[bytes]:
        return drain_frames(self._frames)

    async def play(self, pcm: bytes, play_id: int) -> None:
        if self.state == CallState.ENDED:
            self._events.put_nowait(PlaybackFinished(play_id, interrupted=True))
            return
        self.stream.play(pcm, play_id)
        self._pending_plays.add(play_id)

    async def stop_playback(self) -> None:
        for pid in self.stream.stop_playback():
            self._pending_plays.discard(pid)
            self._events.put_nowait(PlaybackFinished(pid, interrupted=True))

    async def send_dtmf(self, digits: str) -> None:
        bad = [d for d in digits.upper() if d not in DTMF_DIGITS]
        if bad or not digits:
            raise ValueError(f"DTMF digits must be 0-9 * # A-D, got {digits!r}")
        if self.state == CallState.ENDED:
            raise RuntimeError(f"call {self.call_id} has ended; cannot send DTMF")
        self.stream.send_dtmf(digits)

    async def start_recording(self, sink: RecordingSink) -> None:
        if self.state == CallState.ENDED:
            sink.close()
            return
        self.stream.set_sink(sink)

    async def hangup(self, cause: str = "NORMAL_CLEARING") -> None:
        if self.state == CallState.ENDED:
            return
        self.hangup_reason = cause
        if self.state == CallState.ANSWERED:
            self._sig.send_bye(self)
            self.finish(cause_from_freeswitch(cause), "local")
        elif self._sig.send_cancel(self):
            self.cancel_sent = True  # the 487 (or a 4 s guard) finishes the call as cancelled
        else:
            # No response yet: RFC 3261 9.1 says wait for a provisional before CANCEL; the
            # driver sends it then (or gives up after timer B), so no call is left ringing.
            self.cancel_pending = True

    def close(self, cause: str = "NORMAL_CLEARING") -> None:
        """End an answered call from synchronous code (BYE, then HungUp); no-op once ended."""
        if self.state == CallState.ANSWERED:
            self.hangup_reason = cause
            self._sig.send_bye(self)
        self.finish(cause_from_freeswitch(cause), "local")

    async def transfer(self, destination: str) -> None:
        if self.state != CallState.ANSWERED:
            raise RuntimeError(f"call {self.call_id} is not answered; cannot transfer")
        self._sig.send_refer(self, destination)

    # --- fed by the driver ------------------------------------------------------------------
    def on_ringing(self) -> None:
        if self.state == CallState.CALLING:
            self.state = CallState.EARLY
        if not self._ringing_sent and self.state != CallState.ENDED:
            self._ringing_sent = True
            self._events.put_nowait(Ringing())

    def on_early_media(self) -> None:
        if self.state == CallState.CALLING:
            self.state = CallState.EARLY
        if not self._early_sent and self.state == CallState.EARLY:
            self._early_sent = True
            self._events.put_nowait(EarlyMedia())

    def on_answered(self) -> None:
        if self.state in (CallState.ANSWERED, CallState.ENDED):
            return
        self.state = CallState.ANSWERED
        self.answered_at = time.monotonic()
        self.drop_queued_frames()
        self._events.put_nowait(Answered())

    def finish(self, cause: HangupCause, by: HangupBy) -> None:
        """End the call once: close media and the recording, then yield :class:`HungUp`."""
        if self.state == CallState.ENDED:
            return
        answered = self.state == CallState.ANSWERED
        self.state = CallState.ENDED
        self.ended_at = time.monotonic()
        self.cause = cause
        self.outcome = outcome_for_call(cause, answered)
        for t in self.timers:
            if t is not asyncio.current_task():
                t.cancel()
        for pid in self.stream.stop_playback():
            self._pending_plays.discard(pid)
            self._events.put_nowait(PlaybackFinished(pid, interrupted=True))
        sink = self.stream.close()
        if sink is not None:
            try:
                sink.close()
            except Exception:
                _log.exception("closing the recording of call %s failed", self.call_id)
        self._sig.release(self)
        self._push_frame(None)
        self._events.put_nowait(HungUp(cause, by))

    def on_dtmf(self, digit: str) -> None:
        """A key from signalling (SIP INFO) rather than from the media stream."""
        self._on_dtmf(digit)

    # --- media callbacks (from the clock tick / socket) ------------------------------------
    def _on_dtmf(self, digit: str) -> None:
        if self.state != CallState.ENDED:
            self._events.put_nowait(DtmfReceived(digit))

    def _on_play_done(self, play_id: int, interrupted: bool) -> None:
        self._pending_plays.discard(play_id)
        self._events.put_nowait(PlaybackFinished(play_id, interrupted))

    def _on_frame(self, frame: bytes) -> None:
        self._push_frame(frame)

    def drop_queued_frames(self) -> int:
        """Drop the frames heard before answer that nobody read (early media with the answer
        classifier off, or read more slowly than they came): what follows the answer must not
        start with seconds of stale ringback or announcement. Returns how many."""
        n = 0
        while not self._frames.empty():
            if self._frames.get_nowait() is None:  # the end: keep it
                self._frames.put_nowait(None)
                break
            n += 1
        self.early_frames_dropped += n
        return n

    def _push_frame(self, frame: bytes | None) -> None:
        while True:
            try:
                self._frames.put_nowait(frame)
                return
            except asyncio.QueueFull:
                self._frames.get_nowait()  # nobody is reading: keep the newest audio
                self.frames_dropped += 1
