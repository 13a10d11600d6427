"""Audio bookkeeping of one simulated call: the bot's playback queue, the customer's speech
queue, a timeline recorder for text mode (where no frames flow), and a simulated network with
the receive jitter buffer for the customer's audio.

Pure and synchronous: the driver decides when time passes (a 20 ms tick in audio mode, a
clock sleep per prompt in text mode) and these classes only say what sounds at that moment.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from telephony.contract import FRAME_BYTES, SAMPLE_RATE, RecordingSink
from telephony.media.jitter import JitterBuffer, JitterConfig

__all__ = [
    "SimulatedNetwork",
    "trim_silence",
    "Playback",
    "OutboundQueue",
    "InboundSpeech",
    "TimelineRecorder",
    "SILENCE",
    "pcm_seconds",
]

SILENCE = bytes(FRAME_BYTES)


def pcm_seconds(pcm: bytes) -> float:
    return len(pcm) / (2 * SAMPLE_RATE)


def trim_silence(pcm: bytes, threshold: int = 300) -> bytes:
    """Drop leading and trailing near-silence, so "end of speech" is the end of the words."""
    x = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2")
    loud = np.flatnonzero(np.abs(x.astype(np.int32)) >= threshold)
    if loud.size == 0:
        return b""
    return x[loud[0] : loud[-1] + 1].tobytes()


@dataclass(slots=True)
class Playback:
    play_id: int
    pcm: bytes
    pos: int = 0
    started_at: float | None = None

    @property
    def duration_s(self) -> float:
        return pcm_seconds(self.pcm)


@dataclass(slots=True)
class OutboundQueue:
    """Prompts waiting to be heard, in order. ``next_frame`` advances one 20 ms frame."""

    items: deque[Playback] = field(default_factory=deque)

    def add(self, play_id: int, pcm: bytes) -> Playback:
        if len(pcm) % 2:
            raise ValueError(f"prompt {play_id}: 16-bit PCM needs an even byte count, got {len(pcm)}")
        p = Playback(play_id, pcm)
        self.items.append(p)
        return p

    @property
    def playing(self) -> bool:
        return bool(self.items)

    def next_frame(self, now: float) -> tuple[bytes, list[int], bool]:
        """(frame, play ids that finished with it, whether a new prompt started with it)."""
        finished: list[int] = []
        started = False
        while self.items and self.items[0].pos >= len(self.items[0].pcm):
            finished.append(self.items.popleft().play_id)  # empty prompt
        if not self.items:
            return SILENCE, finished, started
        cur = self.items[0]
        if cur.started_at is None:
            cur.started_at = now
            started = True
        frame = cur.pcm[cur.pos : cur.pos + FRAME_BYTES]
        cur.pos += FRAME_BYTES
        if cur.pos >= len(cur.pcm):
            finished.append(self.items.popleft().play_id)
        if len(frame) < FRAME_BYTES:
            frame += bytes(FRAME_BYTES - len(frame))
        return frame, finished, started

    def clear(self) -> list[int]:
        """Stop everything (barge-in); returns the play ids cut off."""
        ids = [p.play_id for p in self.items]
        self.items.clear()
        return ids


@dataclass(slots=True)
class InboundSpeech:
    """The customer's audio still to be sent, frame by frame; silence when nothing is queued."""

    frames: deque[bytes] = field(default_factory=deque)

    def say(self, pcm: bytes) -> None:
        for i in range(0, len(pcm), FRAME_BYTES):
            f = pcm[i : i + FRAME_BYTES]
            self.frames.append(f if len(f) == FRAME_BYTES else f + bytes(FRAME_BYTES - len(f)))

    @property
    def speaking(self) -> bool:
        return bool(self.frames)

    def next_frame(self) -> tuple[bytes, bool]:
        if self.frames:
            return self.frames.popleft(), True
        return SILENCE, False


@dataclass(slots=True)
class TimelineRecorder:
    """Text mode: remember what sounded when, render both channels at hangup."""

    start_s: float
    outbound: list[tuple[float, bytes]] = field(default_factory=list)
    inbound: list[tuple[float, bytes]] = field(default_factory=list)

    def bot(self, at_s: float, pcm: bytes) -> None:
        self.outbound.append((at_s, pcm))

    def cut_bot(self, at_s: float) -> None:
        """The last prompt was stopped at ``at_s`` (barge-in): keep only what was heard."""
        if self.outbound:
            start, pcm = self.outbound[-1]
            keep = max(0, int((at_s - start) * SAMPLE_RATE)) * 2
            self.outbound[-1] = (start, pcm[:keep])

    def customer(self, at_s: float, pcm: bytes) -> None:
        self.inbound.append((at_s, pcm))

    def render_into(self, sink: RecordingSink, end_s: float, chunk_frames: int = 50) -> None:
        n = max(0, int(round((end_s - self.start_s) * 1000 / 20))) * (FRAME_BYTES // 2)
        channels = [np.zeros(n, dtype="<i2"), np.zeros(n, dtype="<i2")]
        for ch, segs in ((0, self.inbound), (1, self.outbound)):
            for at, pcm in segs:
                off = int(round((at - self.start_s) * SAMPLE_RATE))
                if off >= n or off < 0:
                    continue
                data = np.frombuffer(pcm, dtype="<i2")[: n - off]
                channels[ch][off : off + len(data)] = data
        step = chunk_frames * FRAME_BYTES // 2
        for i in range(0, n, step):
            sink.write(channels[0][i : i + step].tobytes(), channels[1][i : i + step].tobytes())


class SimulatedNetwork:
    """The customer's audio crossing a network: RTP-style sequence numbers, random delay and
    loss on the way, and the receive :class:`~telephony.media.jitter.JitterBuffer` at our end.

    ``send`` one frame per 20 ms tick and ``receive`` the frame to play for that tick (silence
    when the buffer has nothing: lost, late, or still filling). Pure apart from ``rng``.
    """

    def __init__(
        self, rng: random.Random, jitter_ms: float, loss: float, config: JitterConfig | None = None
    ) -> None:
        if jitter_ms < 0 or not 0 <= loss < 1:
            raise ValueError(f"network jitter must be >= 0 ms and loss in [0, 1), got {jitter_ms}, {loss}")
        self.rng = rng
        self.jitter_s = jitter_ms / 1000
        self.loss = loss
        self.buffer = JitterBuffer(config)
        self._seq = 0
        self._in_flight: list[tuple[float, int, int, bytes]] = []
        self.sent = 0
        self.dropped = 0

    def send(self, frame: bytes, now: float) -> None:
        seq, self._seq = self._seq % 65536, self._seq + 1
        self.sent += 1
        if self.loss and self.rng.random() < self.loss:
            self.dropped += 1
            return
        delay = abs(self.rng.gauss(0.0, self.jitter_s)) if self.jitter_s else 0.0
        self._in_flight.append((now + delay, seq, (self._seq - 1) * 160, frame))

    def receive(self, now: float) -> bytes:
        arrived = [p for p in self._in_flight if p[0] <= now]
        if arrived:
            self._in_flight = [p for p in self._in_flight if p[0] > now]
            for at, seq, ts, payload in sorted(arrived):
                self.buffer.push(seq, ts % (1 << 32), payload, arrival_s=at)
        return self.buffer.pop() or SILENCE
