"""The contract's call handle for a FreeSWITCH call: ESL events for progress and hangup,
the runtime's own SIP media leg (FreeSWITCH bridges the answered customer to it) for audio.

Media choice: bridging keeps one RTP path that the runtime already measures and records, and
the same code as the direct SIP driver; streaming audio over the Event Socket would need a
non-standard module (mod_audio_stream) and ``uuid_broadcast`` can only play files that exist
on the FreeSWITCH host. DTMF is taken from FreeSWITCH's DTMF events on the customer leg only,
so a key press bridged to our leg as RFC 4733 is not reported twice.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from telephony.contract import (
    Answered,
    CallEvent,
    HangupBy,
    HungUp,
    PlaybackFinished,
    RecordingSink,
    drain_events,
)
from telephony.freeswitch.client import EslError
from telephony.freeswitch.commands import DTMF_RE
from telephony.freeswitch.events import FsCallState
from telephony.freeswitch.protocol import EslEvent
from telephony.outcomes import HangupCause, Outcome, outcome_for_call
from telephony.sip.call import SipCall

if TYPE_CHECKING:
    from telephony.freeswitch.driver import FreeswitchDriver

__all__ = ["FsCall"]

_log = logging.getLogger(__name__)
_DESTINATION = re.compile(r"^[A-Za-z0-9_+*#.-]{1,64}$")
_HANGUP_GRACE_S = 10.0  # how long a uuid_kill may take to come back as CHANNEL_HANGUP_COMPLETE


class FsCall:
    def __init__(self, call_id: str, uuid: str, driver: FreeswitchDriver) -> None:
        self.call_id = call_id
        self.uuid = uuid
        self.outcome: Outcome | None = None
        self.answered_at: float | None = None
        self.ended_at: float | None = None
        self.state = FsCallState(bridged=bool(driver.settings.media_endpoint),
                                 early_bridge=bool(driver.settings.media_endpoint) and driver.settings.early_media)
        self.recording_path = ""
        self._driver = driver
        self._events: asyncio.Queue[CallEvent] = asyncio.Queue()
        self._media: SipCall | None = None
        self._media_ready = asyncio.Event()
        self._waiting_plays: list[tuple[bytes, int]] = []
        self._waiting_sink: RecordingSink | None = None
        self._forwarder: asyncio.Task[None] | None = None
        self.timers: list[asyncio.Task[None]] = []
        self.seen_channel = False  # any event for our UUID yet (the channel exists or existed)

    # --- contract ---------------------------------------------------------------------------
    def events(self) -> AsyncIterator[CallEvent]:
        return drain_events(self._events)

    async def incoming_frames(self) -> AsyncIterator[bytes]:
        await self._media_ready.wait()
        if self._media is None:
            return
        async for frame in self._media.incoming_frames():
            yield frame

    async def play(self, pcm: bytes, play_id: int) -> None:
        if self.state.ended:
            self._events.put_nowait(PlaybackFinished(play_id, interrupted=True))
        elif self._media is not None:
            await self._media.play(pcm, play_id)
        else:
            self._waiting_plays.append((pcm, play_id))

    async def stop_playback(self) -> None:
        for _, pid in self._waiting_plays:
            self._events.put_nowait(PlaybackFinished(pid, interrupted=True))
        self._waiting_plays.clear()
        if self._media is not None:
            await self._media.stop_playback()

    async def send_dtmf(self, digits: str) -> None:
        if not DTMF_RE.match(digits):
            raise ValueError(f"DTMF digits must be 0-9 * # A-D, got {digits!r}")
        await self._driver.client.api(f"uuid_send_dtmf {self.uuid} {digits}")

    async def start_recording(self, sink: RecordingSink) -> None:
        if self.state.ended:
            sink.close()
        elif self._media is not None:
            await self._media.start_recording(sink)
        else:
            self._waiting_sink = sink
        if self._driver.settings.record_dir and not self.state.ended:
            # A second copy on the switch; the runtime's own recording goes on if this fails.
            path = f"{self._driver.settings.record_dir.rstrip('/')}/{self.call_id}.wav"
            try:
                await self._driver.client.api(f"uuid_record {self.uuid} start {path}")
                self.recording_path = path
            except EslError as exc:
                _log.warning("uuid_record for call %s failed: %s", self.call_id, exc)

    async def hangup(self, cause: str = "NORMAL_CLEARING") -> None:
        """``uuid_kill``; before answer that is a cancel (ORIGINATOR_CANCEL), like SIP's CANCEL."""
        if self.state.ended:
            return
        if not self.state.customer_answered:
            cause = "ORIGINATOR_CANCEL"
            self.state.cancel_sent = True
        await self._driver.client.api(f"uuid_kill {self.uuid} {cause.upper()}")

    async def ring_timeout(self, seconds: float) -> None:
        """Cancel an unanswered call after the ring timeout (FreeSWITCH's own timer is a backstop).

        If FreeSWITCH no longer knows the channel, or cannot be reached for long, the call is
        over as far as anyone can tell: end it as a network error rather than wait forever.
        """
        await asyncio.sleep(seconds)
        if self.state.customer_answered or self.state.ended:
            return
        try:
            await self.hangup()
        except EslError as exc:
            _log.warning("cancelling call %s at ring timeout failed: %s", self.call_id, exc)
            if "No such channel" in str(exc):
                self.finish_without_event(HangupCause("NORMAL_UNSPECIFIED", 31, None), "network")
                return
        await asyncio.sleep(_HANGUP_GRACE_S)
        if not self.state.ended:
            self.finish_without_event(HangupCause("RECOVERY_ON_TIMER_EXPIRE", 102, None), "network")

    async def transfer(self, destination: str) -> None:
        if not self.state.answered:
            raise RuntimeError(f"call {self.call_id} is not answered; cannot transfer")
        if not _DESTINATION.match(destination):
            raise ValueError(f"transfer destination {destination!r}: letters, digits and _+*#.- only")
        # Without "XML <context>" FreeSWITCH runs the channel's own context (default), where
        # the deploy's agent and forward_<n> extensions do not exist.
        context = self._driver.settings.transfer_context
        await self._driver.client.api(f"uuid_transfer {self.uuid} {destination} XML {context}")

    # --- fed by the driver ----------------------------------------------------------------
    def on_event(self, event: EslEvent) -> None:
        self.seen_channel = True
        if event.name == "RECORD_START":
            self.recording_path = event.get("Record-File-Path")
        for ev in self.state.apply(event):
            if isinstance(ev, HungUp):
                self.finish(ev)
                return
            if isinstance(ev, Answered):
                self.answered_at = time.monotonic()
                if self._media is not None:  # early media bridged: what it carried before the answer goes
                    self._media.drop_queued_frames()
            self._events.put_nowait(ev)

    def attach_media(self, leg: SipCall) -> None:
        """The bridged SIP leg arrived: flush what waited for it and forward its prompt events."""
        if self.state.ended or self._media is not None:
            asyncio.get_running_loop().create_task(leg.hangup())
            return
        self._media = leg
        if self._waiting_sink is not None:
            leg.stream.set_sink(self._waiting_sink)
            self._waiting_sink = None
        for pcm, pid in self._waiting_plays:
            leg.stream.play(pcm, pid)
        self._waiting_plays.clear()
        self._forwarder = asyncio.get_running_loop().create_task(self._forward(leg))
        self._media_ready.set()
        for ev in self.state.media_up():
            self.answered_at = time.monotonic()
            self._events.put_nowait(ev)

    async def _forward(self, leg: SipCall) -> None:
        async for ev in leg.events():
            if isinstance(ev, PlaybackFinished):
                self._events.put_nowait(ev)

    def finish_without_event(self, cause: HangupCause, by: HangupBy) -> None:
        if not self.state.ended:
            self.finish(self.state.hangup_without_event(cause, by))

    def finish(self, hung_up: HungUp) -> None:
        self.ended_at = time.monotonic()
        for t in self.timers:
            if t is not asyncio.current_task():
                t.cancel()
        if self.state.customer_answered and not self.state.answered:
            # Answered, but the bridge to our media leg never came up: the bot could not say a
            # word. A network failure (worth a redial), whatever cause the switch gave.
            self.outcome = Outcome.NETWORK_ERROR
        else:
            self.outcome = outcome_for_call(hung_up.cause, self.state.answered)
        for _, pid in self._waiting_plays:
            self._events.put_nowait(PlaybackFinished(pid, interrupted=True))
        self._waiting_plays.clear()
        if self._waiting_sink is not None:
            self._waiting_sink.close()
            self._waiting_sink = None
        media = self._media
        if media is not None:
            # Our leg ends with the customer's; its interrupted prompts are reported first.
            for pid in media.stream.stop_playback():
                self._events.put_nowait(PlaybackFinished(pid, interrupted=True))
            if self._forwarder is not None:
                self._forwarder.cancel()
            media.close()
        self._media_ready.set()
        self._driver.release(self)
        self._events.put_nowait(hung_up)
