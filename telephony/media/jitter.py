"""Receive-side jitter buffer: reorders RTP payloads by sequence number and plays them out on the 20 ms clock.

Pure and clock-free: the caller pushes packets as they arrive (with their arrival time when
it wants adaptive depth) and pops exactly one frame per 20 ms tick. A missing frame pops as
``None`` (the caller conceals it, e.g. with silence) and counts as lost once a later frame
has arrived; with nothing newer it is an *underrun* and the buffer waits for that frame and
refills. A frame that arrives after its slot was given up is *late* and dropped, never
played out of order.

Adaptive depth follows the RFC 3550 (appendix A.8) interarrival jitter estimate: the target
depth is enough 20 ms frames to cover ``jitter_multiplier`` times the smoothed jitter, between
``min_depth`` and ``max_depth``. When more than ``target + shrink_slack`` frames are queued the
oldest is discarded (counted separately), so latency follows the network back down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

__all__ = ["JitterBuffer", "JitterStats", "PushResult", "JitterConfig"]

_SEQ_MOD = 1 << 16


class PushResult(Enum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    LATE = "late"


@dataclass(frozen=True, slots=True)
class JitterConfig:
    """Named thresholds; defaults suit 20 ms G.711 frames on a LAN/carrier trunk."""

    min_depth: int = 2  # frames buffered before playout starts (40 ms)
    max_depth: int = 10  # never hold more than 200 ms
    adaptive: bool = True
    jitter_multiplier: float = 2.0
    shrink_slack: int = 2
    frame_ms: int = 20
    clock_rate: int = 8000

    def __post_init__(self) -> None:
        if not 1 <= self.min_depth <= self.max_depth:
            raise ValueError(f"need 1 <= min_depth <= max_depth, got {self.min_depth}, {self.max_depth}")


@dataclass(slots=True)
class JitterStats:
    received: int = 0
    played: int = 0
    lost: int = 0
    late: int = 0
    duplicates: int = 0
    reordered: int = 0
    discarded: int = 0  # dropped to shrink the buffer
    underruns: int = 0  # ticks with nothing to play while the next frame had not arrived
    jitter_ms: float = 0.0
    target_depth: int = 0


class JitterBuffer:
    """Reorders and paces one RTP stream. ``push`` on arrival, ``pop`` every frame tick."""

    def __init__(self, config: JitterConfig | None = None) -> None:
        self.config = config or JitterConfig()
        self._slots: dict[int, bytes] = {}  # extended sequence number -> payload
        self._next: int | None = None  # extended seq of the next frame to play
        self._highest: int | None = None
        self._playing = False
        self._last_transit: float | None = None
        self._jitter_ts = 0.0  # RFC 3550 J, in timestamp units
        self.stats = JitterStats(target_depth=self.config.min_depth)

    # -- sequence numbers ---------------------------------------------------------------
    def _extend(self, seq: int) -> int:
        """Unwrap a 16-bit sequence number to the one closest to the highest seen."""
        if self._highest is None:
            return seq
        base = self._highest - (self._highest % _SEQ_MOD)
        candidates = (base - _SEQ_MOD + seq, base + seq, base + _SEQ_MOD + seq)
        return min(candidates, key=lambda c: abs(c - self._highest))  # type: ignore[operator]

    @property
    def depth(self) -> int:
        """Frames queued from the next playout slot on."""
        return len(self._slots)

    @property
    def target_depth(self) -> int:
        return self.stats.target_depth

    # -- arrival ----------------------------------------------------------------------
    def push(self, seq: int, timestamp: int, payload: bytes, arrival_s: float | None = None) -> PushResult:
        if not 0 <= seq < _SEQ_MOD:
            raise ValueError(f"RTP sequence number out of range: {seq}")
        ext = self._extend(seq)
        if self._next is not None and ext < self._next:
            self.stats.late += 1
            return PushResult.LATE
        if ext in self._slots:
            self.stats.duplicates += 1
            return PushResult.DUPLICATE
        if self._highest is not None and ext < self._highest:
            self.stats.reordered += 1
        self._highest = ext if self._highest is None else max(self._highest, ext)
        self._slots[ext] = payload
        self.stats.received += 1
        if arrival_s is not None:
            self._update_jitter(timestamp, arrival_s)
        return PushResult.ACCEPTED

    def _update_jitter(self, timestamp: int, arrival_s: float) -> None:
        transit = arrival_s * self.config.clock_rate - timestamp
        if self._last_transit is not None:
            d = abs(transit - self._last_transit)
            self._jitter_ts += (d - self._jitter_ts) / 16.0
        self._last_transit = transit
        jitter_ms = self._jitter_ts * 1000.0 / self.config.clock_rate
        self.stats.jitter_ms = jitter_ms
        if self.config.adaptive:
            want = math.ceil(self.config.jitter_multiplier * jitter_ms / self.config.frame_ms) + 1
            self.stats.target_depth = max(self.config.min_depth, min(self.config.max_depth, want))

    # -- playout ----------------------------------------------------------------------
    def pop(self) -> bytes | None:
        """The payload for this 20 ms tick, or ``None`` (still filling, waiting, or the frame is lost)."""
        if not self._playing:
            if len(self._slots) < self.stats.target_depth:
                return None
            self._playing = True
            first = min(self._slots)
            if self._next is not None and first > self._next:
                self.stats.lost += first - self._next  # never came while we waited
            self._next = first
        assert self._next is not None
        limit = self.stats.target_depth + self.config.shrink_slack
        while len(self._slots) > limit:
            oldest = min(self._slots)
            del self._slots[oldest]
            self.stats.discarded += 1
            self._next = max(self._next, oldest + 1)
        slot = self._next
        payload = self._slots.pop(slot, None)
        if payload is None:
            if self._highest is not None and slot < self._highest:
                self._next += 1  # a later frame is here already: this one is lost
                self.stats.lost += 1
                return None
            # Underrun: nothing newer has arrived. Wait for this very slot and refill first,
            # so a stall (or silence suppression) does not throw away what is still coming.
            self.stats.underruns += 1
            self._playing = False
            return None
        self._next += 1
        self.stats.played += 1
        return payload
