"""One 20 ms media clock for every call of a driver.

A task per call would mean hundreds of timers drifting on their own; one task that wakes on
absolute deadlines (``t0 + k * 20 ms``) keeps every RTP stream on the same clock, never
accumulates drift (a late wake-up shortens the next sleep), and costs one wake-up per tick
whatever the number of calls. When the loop stalls for more than a tick, missed ticks are run
back to back (bounded by ``max_catch_up``) so each stream's RTP timestamps still match time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Protocol

__all__ = ["MediaClock", "Ticking", "FRAME_S"]

FRAME_S = 0.020
_log = logging.getLogger(__name__)


class Ticking(Protocol):
    def tick(self, now: float) -> None:
        """Send one frame; called once per 20 ms tick, for every stream before any ``drain``."""

    def drain(self, now: float) -> None:
        """Receive-side work for this tick (jitter buffer, decoding), after all sends."""


class MediaClock:
    """Runs ``tick()`` on every registered stream once per 20 ms; starts on first use."""

    def __init__(
        self,
        period_s: float = FRAME_S,
        max_catch_up: int = 5,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.period_s = period_s
        self.max_catch_up = max_catch_up
        self._now = now
        self._streams: dict[int, Ticking] = {}
        self._task: asyncio.Task[None] | None = None
        self.ticks = 0
        self.late_ticks = 0  # ticks that started more than one period late

    def add(self, stream: Ticking) -> None:
        self._streams[id(stream)] = stream
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="huashu-media-clock")

    def remove(self, stream: Ticking) -> None:
        self._streams.pop(id(stream), None)

    def __len__(self) -> int:
        return len(self._streams)

    async def aclose(self) -> None:
        self._streams.clear()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        start = self._now()
        k = 0
        while self._streams:
            deadline = start + k * self.period_s
            delay = deadline - self._now()
            if delay > 0:
                await asyncio.sleep(delay)
            behind = int((self._now() - deadline) / self.period_s)
            if behind > self.max_catch_up:
                # A long stall: skip ahead instead of bursting seconds of audio at once.
                _log.warning("media clock stalled for %d ticks; skipping ahead", behind)
                k += behind - self.max_catch_up
                self.late_ticks += 1
            elif behind >= 1:
                self.late_ticks += 1
            now = self._now()
            streams = list(self._streams.values())
            # Sends first, for every call, so the wire timing does not wait on decoding.
            for stream in streams:
                try:
                    stream.tick(now)
                except Exception:  # one broken stream must not silence every other call
                    _log.exception("media stream tick failed; removing it")
                    self.remove(stream)
            for stream in streams:
                try:
                    stream.drain(now)
                except Exception:
                    _log.exception("media stream drain failed; removing it")
                    self.remove(stream)
            self.ticks += 1
            k += 1
