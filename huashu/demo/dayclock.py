"""Where in one virtual calling day each attempt falls.

The simulator runs calls in virtual time (milliseconds each), so the real clock cannot give
the half-hour connect-rate chart any shape. Every attempt is instead placed at a
deterministic time of one virtual day inside the calling windows: the first attempt of a
number at a hashed position, each redial a fixed share of the day later (wrapping round).
Pure: no clock is read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = ["VirtualDay", "DEFAULT_WINDOWS", "slot_of_local"]

CHINA = ZoneInfo("Asia/Shanghai")
#: the calling windows of the virtual day (local time, minutes from midnight)
DEFAULT_WINDOWS: tuple[tuple[int, int], ...] = ((9 * 60, 12 * 60), (13 * 60 + 30, 21 * 60))
#: a redial lands this share of the open day after the previous attempt
_REDIAL_STEP = 0.37


def _unit(key: str) -> float:
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def slot_of_local(when: datetime) -> int:
    """Half-hour slot 0-47 of ``when`` in China local time."""
    local = when.astimezone(CHINA)
    return local.hour * 2 + local.minute // 30


@dataclass(frozen=True, slots=True)
class VirtualDay:
    """One calling day (``date`` local) with its open windows."""

    date: datetime = datetime(2026, 7, 1, tzinfo=CHINA)
    windows: tuple[tuple[int, int], ...] = DEFAULT_WINDOWS
    seed: int = 0

    @property
    def open_minutes(self) -> int:
        return sum(b - a for a, b in self.windows)

    def at_fraction(self, fraction: float) -> datetime:
        """The moment ``fraction`` (0..1) of the way through the open minutes of the day."""
        left = (fraction % 1.0) * self.open_minutes
        for a, b in self.windows:
            if left < b - a:
                return self.date + timedelta(minutes=a + left)
            left -= b - a
        a, b = self.windows[-1]
        return self.date + timedelta(minutes=b) - timedelta(seconds=1)

    def time_of(self, phone: str, attempt: int) -> datetime:
        """When the ``attempt``-th call (1 = first) to ``phone`` happens in the virtual day."""
        base = _unit(f"{self.seed}:{phone}")
        return self.at_fraction(base + (attempt - 1) * _REDIAL_STEP)
