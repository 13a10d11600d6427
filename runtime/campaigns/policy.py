"""What happens to a dial job after an attempt: done, redial later, or the secondary number. Pure.

Redials come first (the task's count, interval and redialled outcomes, per leg); when the
primary leg is finished with a failure the secondary number (是否呼叫二联) is tried if the task
allows it and the customer has one.

What answered (issue 21) has its own rules, whatever the task's redial list says: an operator
announcement that the number is invalid or suspended is never redialled in this campaign (an
invalid number is also blacklisted for every later one, by the caller of this module), and
one that the phone is switched off is redialled later the same day (after the task's redial
interval, even when "unreachable" is not in its list and its count is 0: once). An announcement that the
line is busy or unreachable, a voicemail, screening or IVR answer count as their signalling
twin (busy, unreachable, no answer) for the task's redial list; so does an announcement whose
kind was not heard (``announcement``: as unreachable; never blacklisted as invalid).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["RedialPolicy", "Next", "next_step", "FALLBACK_OUTCOMES", "parse_outcomes", "NEVER_REDIAL",
           "SAME_DAY_REDIAL", "ANSWER_TWINS"]

#: Outcomes of a primary leg after which the secondary number is worth a try.
FALLBACK_OUTCOMES = frozenset({"no_answer", "busy", "unreachable", "invalid_number", "announcement", "announcement_invalid",
                               "announcement_suspended", "announcement_powered_off", "announcement_busy",
                               "announcement_unreachable"})
#: Announcements that close the number for this campaign.
NEVER_REDIAL = frozenset({"announcement_invalid", "announcement_suspended", "fax"})
#: Switched off: try again later the same day (people switch phones back on).
SAME_DAY_REDIAL = frozenset({"announcement_powered_off"})
#: The signalling outcome each other verdict counts as for the task's redial list.
ANSWER_TWINS = {"announcement": "unreachable", "announcement_busy": "busy", "announcement_unreachable": "unreachable", "voicemail": "no_answer",
                "screening": "no_answer", "ivr": "no_answer"}
KNOWN_OUTCOMES = frozenset(
    {"connected", "no_answer", "busy", "rejected", "invalid_number", "unreachable", "network_error", "cancelled",
     "interrupted"} | NEVER_REDIAL | SAME_DAY_REDIAL | set(ANSWER_TWINS)
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
    if outcome in SAME_DAY_REDIAL and attempts_on_leg <= max(1, policy.count):
        later = now + timedelta(seconds=policy.interval_s)
        if later.date() == now.date():
            return Next("redial", later, leg=leg)
    redialled = outcome in policy.outcomes or ANSWER_TWINS.get(outcome) in policy.outcomes
    if outcome not in NEVER_REDIAL | SAME_DAY_REDIAL and redialled and attempts_on_leg <= policy.count:
        return Next("redial", now + timedelta(seconds=policy.interval_s), leg=leg)
    if leg == "primary" and policy.call_secondary and phone2 and outcome in FALLBACK_OUTCOMES:
        return Next("secondary", None, phone2, "secondary")
    return Next("done")
