"""Calling windows ("09:00-12:00,13:30-20:00") in the customer's time zone. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from huashu.core.errors import UserError

__all__ = ["Windows", "WindowError", "parse_windows", "zone"]


class WindowError(UserError):
    """A calling window or time zone that cannot be read; the message quotes it."""


@cache
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise WindowError(f"unknown time zone {name!r}", key="timezone", params={"tz": repr(name)}) from e


def _hhmm(s: str, whole: str) -> int:
    if s.strip() == "24:00":
        return 1440
    try:
        t = time.fromisoformat(s.strip())
    except ValueError as e:
        raise WindowError(f"calling window {whole!r}: {s.strip()!r} is not a HH:MM time", key="window_time",
                          params={"window": repr(whole), "value": repr(s.strip())}) from e
    return t.hour * 60 + t.minute


@dataclass(frozen=True, slots=True)
class Windows:
    """Minute ranges [start, end) of the local day; empty means any time."""

    spans: tuple[tuple[int, int], ...] = ()

    def is_open(self, now_utc: datetime, tz: str) -> bool:
        if not self.spans:
            return True
        local = _aware(now_utc).astimezone(zone(tz))
        m = local.hour * 60 + local.minute
        return any(a <= m < b for a, b in self.spans)

    def next_open(self, now_utc: datetime, tz: str) -> datetime:
        """The first moment at or after ``now_utc`` inside a window, in UTC."""
        now = _aware(now_utc)
        if self.is_open(now, tz):
            return now
        z = zone(tz)
        local = now.astimezone(z)
        for day in range(0, 3):
            d = (local + timedelta(days=day)).date()
            for a, _b in self.spans:
                start = datetime(d.year, d.month, d.day, a // 60, a % 60, tzinfo=z)
                if start > now:
                    return start.astimezone(UTC)
        raise WindowError("no calling window opens in the next days")  # unreachable with spans

    def seconds_left(self, now_utc: datetime, tz: str) -> float:
        """Seconds until the current window closes (0 when closed, a day when unbounded)."""
        if not self.spans:
            return 86400.0
        local = _aware(now_utc).astimezone(zone(tz))
        m = local.hour * 60 + local.minute + local.second / 60
        for a, b in self.spans:
            if a <= m < b:
                return (b - m) * 60
        return 0.0

    def __str__(self) -> str:
        return ",".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in self.spans)


def _aware(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


def parse_windows(spec: str | None) -> Windows:
    if spec is None or not spec.strip():
        return Windows()
    spans: list[tuple[int, int]] = []
    for part in spec.split(","):
        if "-" not in part:
            raise WindowError(f"calling window {part.strip()!r} is not START-END (e.g. 09:00-12:00)", key="window_shape",
                              params={"window": repr(part.strip())})
        a_s, b_s = part.split("-", 1)
        a, b = _hhmm(a_s, part), _hhmm(b_s, part)
        if a >= b:
            raise WindowError(f"calling window {part.strip()!r} ends before it starts", key="window_order",
                              params={"window": repr(part.strip())})
        spans.append((a, b))
    spans.sort()
    for (_a1, b1), (a2, _b2) in zip(spans, spans[1:], strict=False):
        if a2 < b1:
            raise WindowError(f"calling windows overlap in {spec!r}", key="windows_overlap", params={"windows": repr(spec)})
    return Windows(tuple(spans))
