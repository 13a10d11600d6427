"""What happens to a dial job after an attempt: done, redial later, or the secondary number. Pure.

Redials come first (the task's count, interval and redialled outcomes, per leg); when the
primary leg is finished with a failure the secondary number (是否呼叫二联) is tried if the task
allows it and the customer has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["RedialPolicy", "Next", "next_step", "FALLBACK_OUTCOMES", "parse_outcomes"]

#: Outcomes of a primary leg after which the secondary number is worth a try.
FALLBACK_OUTCOMES = frozenset({"no_answer", "busy", "unreachable", "invalid_number"})
KNOWN_OUTCOMES = frozenset(
    {"connected", "no_answer", "busy", "rejected", "invalid_number", "unreachable", "network_error", "cancelled", "interrupted"}
)


def parse_outcomes(spec: str) -> frozenset[str]:
    items = frozenset(s.strip() for s in spec.split(",") if s.strip())
    bad = sorted(items - KNOWN_OUTCOMES)
    if bad:
        raise ValueError(f"unknown outcome(s) {', '.join(bad)}; known: {', '.join(sorted(KNOWN_OUTCOMES))}")
    return items


@dataclass(frozen=True, slots=True)
class RedialPolicy:
    count: int = 0
    interval_s: int = 600
    outcomes: frozenset[str] = frozenset({"no_answer", "busy"})
    call_secondary: bool = False


@dataclass(frozen=True, slots=True)
class Next:
    action: str  # done | redial | secondary
    not_before: datetime | None = None
    phone: str | None = None
    leg: str | None = None


def next_step(
    policy: RedialPolicy, leg: str, attempts_on_leg: int, outcome: str, phone2: str | None, now: datetime
) -> Next:
    """``attempts_on_leg`` counts the attempt that just ended."""
    if outcome == "connected":
        return Next("done")
    if outcome in policy.outcomes and attempts_on_leg <= policy.count:
        return Next("redial", now + timedelta(seconds=policy.interval_s), leg=leg)
    if leg == "primary" and policy.call_secondary and phone2 and outcome in FALLBACK_OUTCOMES:
        return Next("secondary", None, phone2, "secondary")
    return Next("done")
