"""Cron schedules with a time zone: validation with a message that names the field, and the next
fire time in UTC. Pure (croniter does the arithmetic).
"""

from __future__ import annotations

from datetime import UTC, datetime

from croniter import croniter

from runtime.campaigns.clock import as_utc
from runtime.campaigns.windows import WindowError, zone

__all__ = ["CronError", "check_cron", "next_fire"]

_FIELDS = ("minute", "hour", "day of month", "month", "day of week")
_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


class CronError(ValueError):
    """A cron expression or time zone that cannot be used; the message says which field."""


def _check_field(i: int, value: str) -> None:
    lo, hi = _RANGES[i]
    for part in value.split(","):
        body = part.split("/", 1)
        if len(body) == 2 and not body[1].isdigit():
            raise CronError(f"cron {_FIELDS[i]} field: step {body[1]!r} is not a number")
        base = body[0]
        if base in ("*", "?"):
            continue
        for n in base.split("-"):
            if n.isdigit():
                if not lo <= int(n) <= hi:
                    raise CronError(f"cron {_FIELDS[i]} field: {n} is out of range {lo}-{hi}")
            elif not (i >= 3 and n.isalpha() and len(n) == 3):
                raise CronError(f"cron {_FIELDS[i]} field: {n!r} is not a number")


def check_cron(expr: str, tz: str = "UTC") -> str:
    """Return the normalised expression or raise :class:`CronError`."""
    fields = expr.split()
    if len(fields) != 5:
        raise CronError(f"cron {expr!r} has {len(fields)} fields; expected 5 (minute hour day month weekday)")
    for i, f in enumerate(fields):
        _check_field(i, f)
    if not croniter.is_valid(" ".join(fields)):
        raise CronError(f"cron {expr!r} is not valid")
    try:
        zone(tz)
    except WindowError as e:
        raise CronError(str(e)) from e
    return " ".join(fields)


def next_fire(expr: str, tz: str, after_utc: datetime) -> datetime:
    """The first fire time strictly after ``after_utc`` (naive input is taken as UTC), in UTC."""
    start = as_utc(after_utc).astimezone(zone(tz))
    nxt = croniter(expr, start).get_next(datetime)
    return nxt.astimezone(UTC)
