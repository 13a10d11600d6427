"""The one driver contract every telephony driver implements (simulator, SIP, FreeSWITCH).

The runtime's call session only ever sees these names: a :class:`Driver` places a call and
hands back a :class:`CallHandle`; the handle yields :data:`CallEvent` values (progress,
DTMF, playback done, hangup) and moves media as 20 ms frames of 8 kHz 16-bit mono PCM in
both directions. Everything is asyncio. A contract test suite
(``tests/telephony/contract_suite.py``) checks every driver against this module.

Which events may be dropped: none. A barge-in stops *playback*, never events; DTMF and
hangup are delivered in order and exactly once, and ``events()`` always ends with one
:class:`HungUp`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from huashu.core.errors import HuashuError
from telephony.outcomes import HangupCause, Outcome

__all__ = [
    "SAMPLE_RATE",
    "FRAME_MS",
    "FRAME_SAMPLES",
    "FRAME_BYTES",
    "HangupBy",
    "Ringing",
    "EarlyMedia",
    "Answered",
    "DtmfReceived",
    "PlaybackFinished",
    "HungUp",
    "CallEvent",
    "drain_events",
    "drain_frames",
    "OriginateRequest",
    "RecordingInfo",
    "RecordingSink",
    "CallHandle",
    "Driver",
    "DTMF_DIGITS",
    "DriverError",
    "LineLimitReached",
    "BotTurn",
    "TextUtterance",
    "SupportsTextMedia",
    "SupportsBotTurns",
]

SAMPLE_RATE = 8000
FRAME_MS = 20
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000  # 160
FRAME_BYTES = FRAME_SAMPLES * 2  # 320: 16-bit little-endian mono
DTMF_DIGITS = frozenset("0123456789*#ABCD")

HangupBy = Literal["remote", "local", "network"]


class DriverError(HuashuError, RuntimeError):
    """A driver could not place or control a call (socket down, bad configuration)."""


class LineLimitReached(DriverError):
    """``originate`` beyond ``Driver.max_concurrent``; the dialer should have waited."""


@dataclass(frozen=True, slots=True)
class Ringing:
    """The far end is alerting (SIP 180, FreeSWITCH CHANNEL_PROGRESS)."""


@dataclass(frozen=True, slots=True)
class EarlyMedia:
    """Audio flows before answer (SIP 183 with SDP, FreeSWITCH CHANNEL_PROGRESS_MEDIA)."""


@dataclass(frozen=True, slots=True)
class Answered:
    """The customer picked up; ``CallHandle.answered_at`` is set before this is yielded."""


@dataclass(frozen=True, slots=True)
class DtmfReceived:
    """One key the customer pressed (RFC 4733 event, SIP INFO or FreeSWITCH DTMF)."""

    digit: str


@dataclass(frozen=True, slots=True)
class PlaybackFinished:
    """A prompt given to :meth:`CallHandle.play` ended; ``interrupted`` if it was stopped."""

    play_id: int
    interrupted: bool = False


@dataclass(frozen=True, slots=True)
class HungUp:
    """The call is over. Always the last event; ``by`` says who ended it."""

    cause: HangupCause
    by: HangupBy


CallEvent = Ringing | EarlyMedia | Answered | DtmfReceived | PlaybackFinished | HungUp


@dataclass(frozen=True, slots=True)
class OriginateRequest:
    """What to dial. ``variables`` travel with the call (FreeSWITCH channel variables, SIP X- headers)."""

    number: str
    caller_id: str
    call_id: str
    variables: Mapping[str, str] = field(default_factory=dict)
    ring_timeout_s: float = 30.0

    def __post_init__(self) -> None:
        if not self.number.strip():
            raise ValueError("OriginateRequest.number is empty")
        if not self.call_id.strip():
            raise ValueError("OriginateRequest.call_id is empty")
        if not self.ring_timeout_s > 0:
            raise ValueError(f"OriginateRequest.ring_timeout_s must be > 0, got {self.ring_timeout_s!r}")


@dataclass(frozen=True, slots=True)
class RecordingInfo:
    """Where a finished recording is and what it holds (stereo: left customer, right bot)."""

    call_id: str
    path: Path
    duration_ms: int
    channels: int = 2
    sample_rate: int = SAMPLE_RATE
    size_bytes: int = 0


@runtime_checkable
class RecordingSink(Protocol):
    """Receives both parties' audio, one 20 ms frame each, in lockstep."""

    def write(self, inbound: bytes, outbound: bytes) -> None:
        """``inbound`` is the customer, ``outbound`` the bot; silence is a frame of zeros."""
        ...

    def close(self) -> RecordingInfo: ...


@runtime_checkable
class CallHandle(Protocol):
    """One call in progress. Created by :meth:`Driver.originate`."""

    call_id: str
    outcome: Outcome | None
    answered_at: float | None
    ended_at: float | None

    def events(self) -> AsyncIterator[CallEvent]:
        """Progress, DTMF, playback and hangup events; ends right after :class:`HungUp`."""
        ...

    def incoming_frames(self) -> AsyncIterator[bytes]:
        """The customer's audio, :data:`FRAME_BYTES` per item, every 20 ms; ends at hangup."""
        ...

    async def play(self, pcm: bytes, play_id: int) -> None:
        """Queue bot audio (8 kHz 16-bit mono) and return at once; :class:`PlaybackFinished` follows."""
        ...

    async def stop_playback(self) -> None:
        """Stop what is playing now and drop what is queued (barge-in)."""
        ...

    async def send_dtmf(self, digits: str) -> None: ...

    async def start_recording(self, sink: RecordingSink) -> None:
        """Feed both directions to ``sink`` until hangup, then close it."""
        ...

    async def hangup(self, cause: str = "NORMAL_CLEARING") -> None: ...

    async def transfer(self, destination: str) -> None: ...


@runtime_checkable
class Driver(Protocol):
    """Places calls. ``max_concurrent`` is the line limit the dialer must respect (None: no limit)."""

    name: str
    max_concurrent: int | None
    #: It dials real numbers (a SIP trunk, FreeSWITCH): it needs a live recogniser and every
    #: compliance check; False for the simulator, whose far end is in-process.
    real_calls: bool

    async def originate(self, req: OriginateRequest) -> CallHandle:
        """Place the call and return at once; progress arrives as events on the handle."""
        ...

    async def aclose(self) -> None: ...


# -- optional extensions -------------------------------------------------------------------
# Real drivers carry audio only. The simulator can also carry the customer's words as text
# (fast text mode) and wants to know what the bot just asked, so its simulated customers can
# answer to the point. The call session uses these when a handle offers them.


@dataclass(frozen=True, slots=True)
class BotTurn:
    """What the bot said and what it listens for next (from the engine's Play/Listen actions)."""

    node_id: str
    text: str
    listening: bool
    intents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # intent -> phrases it knows
    keywords: tuple[str, ...] = ()
    dtmf: tuple[str, ...] = ()
    play_id: int | None = None
    language: str = "zh"


@dataclass(frozen=True, slots=True)
class TextUtterance:
    """One customer turn as text (fast text mode); ``barge_in`` if said over a prompt."""

    text: str
    confidence: float = 0.9
    barge_in: bool = False


@runtime_checkable
class SupportsTextMedia(Protocol):
    text_mode: bool

    def utterances(self) -> AsyncIterator[TextUtterance]:
        """Customer turns as text; ends at hangup. Only meaningful when ``text_mode``."""
        ...


@runtime_checkable
class SupportsBotTurns(Protocol):
    def bot_turn(self, turn: BotTurn) -> None:
        """Tell the far end what the bot is saying/asking (simulated customers only)."""
        ...


async def drain_events(queue: asyncio.Queue[CallEvent]) -> AsyncIterator[CallEvent]:
    """A handle's ``events()``: everything put on its queue, ending after the hang-up."""
    while True:
        ev = await queue.get()
        yield ev
        if isinstance(ev, HungUp):
            return


async def drain_frames(queue: asyncio.Queue[bytes | None]) -> AsyncIterator[bytes]:
    """A handle's ``incoming_frames()``: frames put on its queue until ``None`` marks the hang-up."""
    while True:
        frame = await queue.get()
        if frame is None:
            return
        yield frame
