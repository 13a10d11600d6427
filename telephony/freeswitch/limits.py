"""Calls-per-second pacing for originate: carriers reject bursts above the contracted CPS.

Pacing, not a bucket: each start is booked at ``max(now, last + 1/cps)`` so calls leave evenly
spaced and a burst of requests queues instead of tripping the carrier's limit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

__all__ = ["CpsPacer"]


class CpsPacer:
    def __init__(self, cps: float | None, now: Callable[[], float] = time.monotonic) -> None:
        if cps is not None and cps <= 0:
            raise ValueError(f"cps must be > 0, got {cps}")
        self.interval = 1.0 / cps if cps else 0.0
        self._now = now
        self._next = 0.0

    def set_rate(self, cps: float | None) -> None:
        """Change the rate (the switch told us its own limit); already booked slots stand."""
        if cps is not None and cps <= 0:
            raise ValueError(f"cps must be > 0, got {cps}")
        self.interval = 1.0 / cps if cps else 0.0

    def book(self) -> float:
        """Reserve the next start slot; returns how long to wait for it."""
        now = self._now()
        slot = max(now, self._next)
        self._next = slot + self.interval
        return slot - now

    async def wait(self) -> None:
        delay = self.book()
        if delay > 0:
            await asyncio.sleep(delay)
