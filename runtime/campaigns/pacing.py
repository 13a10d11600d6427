"""Pacing: token buckets for calls per second, and the rate that spreads a queue over the window. Pure.

Time is passed in (monotonic seconds), so tests drive the bucket with virtual time.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TokenBucket", "spread_rate"]


@dataclass
class TokenBucket:
    """At most ``rate`` starts a second, bursts up to ``burst`` (default: one second's worth)."""

    rate: float
    burst: float | None = None
    _tokens: float = 0.0
    _last: float | None = None

    def _cap(self) -> float:
        return max(1.0, self.burst if self.burst is not None else self.rate)

    def refill(self, now: float) -> None:
        if self._last is None:
            self._last = now
            self._tokens = 1.0
            return
        self._tokens = min(self._cap(), self._tokens + (now - self._last) * self.rate)
        self._last = now

    def available(self, now: float) -> int:
        self.refill(now)
        return int(self._tokens)

    def take(self, n: int, now: float) -> int:
        """Take up to ``n`` tokens; returns how many were granted."""
        self.refill(now)
        k = max(0, min(n, int(self._tokens)))
        self._tokens -= k
        return k

    def set_rate(self, rate: float) -> None:
        self.rate = rate


def spread_rate(max_cps: float, remaining: int, window_left_s: float, min_cps: float = 0.05) -> float:
    """Calls per second that finish ``remaining`` calls by the window's end, never above the
    task's limit — so a small list is not burnt in the first minutes of a long window."""
    if remaining <= 0 or window_left_s <= 0:
        return max_cps
    return max(min_cps, min(max_cps, remaining / window_left_s))
