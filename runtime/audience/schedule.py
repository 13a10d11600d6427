"""When a rule audience is due for regeneration (cron), as a pure function the scheduler can call."""

from __future__ import annotations

from datetime import datetime

from croniter import croniter

__all__ = ["is_due", "next_refresh"]


def next_refresh(cron: str, last: datetime) -> datetime:
    nxt: datetime = croniter(cron, last).get_next(datetime)
    return nxt


def is_due(cron: str | None, last: datetime, now: datetime) -> bool:
    """True when a refresh time passed since ``last``; audiences without a cron are never due."""
    if not cron:
        return False
    return next_refresh(cron, last) <= now
