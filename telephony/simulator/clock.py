"""Clocks for calls: the real one, and a virtual one under which a 2-minute call takes milliseconds.

Everything time-based in a call (ring times, prompt durations, reply delays, the engine's
silence timers) waits through a :class:`Clock`, never through ``asyncio.sleep`` directly, so
the same code runs in real time (SIP, FreeSWITCH, audio benchmarks) or in virtual time
(text-mode simulation, tests, the demo campaign).

:class:`VirtualClock` jumps to the next deadline whenever the event loop has nothing else
ready to run: time only passes when every task is waiting for time. It reads the loop's
ready queue (a CPython implementation detail, present since 3.4) to know that; without it, it
falls back to yielding a fixed number of times. Work in a thread is invisible to it, so wrap
such waits in :func:`holding` (TTS renders, recognisers): time stands still meanwhile. Use one
virtual clock per event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

__all__ = ["Clock", "RealClock", "VirtualClock", "CHINA_TZ", "holding"]

CHINA_TZ = ZoneInfo("Asia/Shanghai")
_FALLBACK_SPINS = 64
_MAX_SPINS = 100_000


@runtime_checkable
class Clock(Protocol):
    def now(self) -> float:
        """Seconds on a monotonic scale (only differences mean anything)."""
        ...

    def wall(self) -> datetime:
        """The local wall-clock time now (time-of-day behaviour, recording folders)."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class RealClock:
    """Monotonic time and ``asyncio.sleep``; ``wall`` in ``tz`` (default: China).

    ``wall_start`` pins the wall clock (real seconds still pass from there): a real-time
    benchmark or test can run "at noon" whatever the hour.
    """

    def __init__(self, tz: tzinfo = CHINA_TZ, wall_start: datetime | None = None) -> None:
        self.tz = tz
        self._wall_start = wall_start
        self._t0 = time.monotonic()

    def now(self) -> float:
        return time.monotonic()

    def wall(self) -> datetime:
        if self._wall_start is not None:
            return self._wall_start + timedelta(seconds=time.monotonic() - self._t0)
        return datetime.now(self.tz)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class VirtualClock:
    """Virtual time that advances only when the loop is idle; deterministic order for equal deadlines."""

    def __init__(self, start: datetime | None = None) -> None:
        self.start = start or datetime(2026, 3, 2, 10, 0, tzinfo=CHINA_TZ)
        if self.start.tzinfo is None:
            raise ValueError("VirtualClock start must be timezone-aware")
        self._now = 0.0
        self._heap: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._runner: asyncio.Task[None] | None = None
        self._holds = 0

    def now(self) -> float:
        return self._now

    def wall(self) -> datetime:
        return self.start + timedelta(seconds=self._now)

    def utc(self) -> datetime:
        return self.wall().astimezone(UTC)

    async def sleep(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._heap, (self._now + seconds, next(self._seq), fut))
        if self._runner is None or self._runner.done():
            self._runner = loop.create_task(self._run(), name="virtual-clock")
        try:
            await fut
        finally:
            if not fut.done():
                fut.cancel()  # dropped lazily by the runner

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Stop time while work outside the event loop (a thread) is in progress."""
        self._holds += 1
        try:
            yield
        finally:
            self._holds -= 1

    async def _settle(self) -> None:
        """Yield until no other callback is ready and nobody holds time still."""
        loop = asyncio.get_running_loop()
        ready = getattr(loop, "_ready", None)
        while True:
            while self._holds:
                await asyncio.sleep(0.001)  # real time: a thread is working for a held caller
            if ready is None:
                for _ in range(_FALLBACK_SPINS):
                    await asyncio.sleep(0)
            else:
                for _ in range(_MAX_SPINS):
                    await asyncio.sleep(0)
                    if not ready or self._holds:
                        break
            if not self._holds:
                return

    async def _run(self) -> None:
        while True:
            await self._settle()
            while self._heap and self._heap[0][2].done():
                heapq.heappop(self._heap)
            if not self._heap:
                return
            deadline = self._heap[0][0]
            self._now = max(self._now, deadline)
            while self._heap and self._heap[0][0] <= self._now:
                _, _, fut = heapq.heappop(self._heap)
                if not fut.done():
                    fut.set_result(None)


def holding(clock: object) -> contextlib.AbstractContextManager[None]:
    """``clock.hold()`` for a virtual clock, a no-op for a real one."""
    hold = getattr(clock, "hold", None)
    return hold() if callable(hold) else contextlib.nullcontext()
