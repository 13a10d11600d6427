"""Cron schedules with a time zone: validation with a message that names the field, and the next
fire time in UTC. Pure (croniter does the arithmetic).

An expression whose fields are each in range can still never fire (``0 9 31 2 *``: no 31
February). :func:`check_cron` therefore also computes the next fire time, within
:data:`HORIZON_YEARS`, and :func:`next_fire` raises only :class:`CronError` (a ``ValueError``
with a readable message), never croniter's own exceptions.
"""

from __future__ import annotations

from datetime import UTC, datetime

from croniter import CroniterError, croniter

from huashu.core.errors import UserError
from runtime.campaigns.clock import as_utc
from runtime.campaigns.windows import WindowError, zone

__all__ = ["CronError", "HORIZON_YEARS", "check_cron", "next_fire"]

#: How far ahead a next fire time must exist. Eight years, so that a 29 February schedule
#: (which skips 2100) is accepted; nothing that fires less often is a campaign schedule.
HORIZON_YEARS = 8

_FIELDS = ("minute", "hour", "day of month", "month", "day of week")
_FIELD_KEYS = ("minute", "hour", "day", "month", "weekday")  # the same fields as message params
_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


class CronError(UserError):
    """A cron expression or time zone that cannot be used; the message says which field."""


def _check_field(i: int, value: str) -> None:
    lo, hi = _RANGES[i]
    for part in value.split(","):
        body = part.split("/", 1)
        if len(body) == 2 and not body[1].isdigit():
            raise CronError(f"cron {_FIELDS[i]} field: step {body[1]!r} is not a number", key="cron_step",
                            params={"field": _FIELD_KEYS[i], "value": repr(body[1])})
        base = body[0]
        if base in ("*", "?"):
            continue
        for n in base.split("-"):
            if n.isdigit():
                if not lo <= int(n) <= hi:
                    raise CronError(f"cron {_FIELDS[i]} field: {n} is out of range {lo}-{hi}", key="cron_range",
                                    params={"field": _FIELD_KEYS[i], "value": n, "lo": lo, "hi": hi})
            elif not (i >= 3 and n.isalpha() and len(n) == 3):
                raise CronError(f"cron {_FIELDS[i]} field: {n!r} is not a number", key="cron_number",
                                params={"field": _FIELD_KEYS[i], "value": repr(n)})


def check_cron(expr: str, tz: str = "UTC") -> str:
    """Return the normalised expression or raise :class:`CronError`."""
    fields = expr.split()
    if len(fields) != 5:
        raise CronError(f"cron {expr!r} has {len(fields)} fields; expected 5 (minute hour day month weekday)",
                        key="cron_fields", params={"cron": repr(expr), "n": len(fields)})
    for i, f in enumerate(fields):
        _check_field(i, f)
    if not croniter.is_valid(" ".join(fields)):
        raise CronError(f"cron {expr!r} is not valid", key="cron_invalid", params={"cron": repr(expr)})
    try:
        zone(tz)
    except WindowError as e:
        raise CronError(str(e), key=e.key, params=e.params) from e
    normalised = " ".join(fields)
    next_fire(normalised, tz, datetime.now(UTC))  # raises CronError when it never fires
    return normalised


def _never_fires(expr: str) -> CronError:
    fields = expr.split()
    if len(fields) == 5 and fields[4] in ("*", "?"):
        # with any weekday, only the day of month and the month can fail to meet
        return CronError(f"cron {expr!r} never fires: the day of month field ({fields[2]}) never falls in the "
                         f"month field ({fields[3]}) within {HORIZON_YEARS} years", key="cron_never",
                         params={"cron": repr(expr), "years": HORIZON_YEARS})
    return CronError(f"cron {expr!r} never fires within {HORIZON_YEARS} years (check the day of month, month "
                     "and day of week fields)", key="cron_never", params={"cron": repr(expr), "years": HORIZON_YEARS})


def next_fire(expr: str, tz: str, after_utc: datetime) -> datetime:
    """The first fire time strictly after ``after_utc`` (naive input is taken as UTC), in UTC.

    :class:`CronError` when there is none within :data:`HORIZON_YEARS` (an impossible date such
    as 31 February), or the expression or time zone is unusable (a value stored before it was
    checked) — never a croniter exception."""
    try:
        start = as_utc(after_utc).astimezone(zone(tz))
    except WindowError as e:
        raise CronError(str(e), key=e.key, params=e.params) from e
    try:
        it = croniter(expr, start, max_years_between_matches=HORIZON_YEARS)
    except (CroniterError, ValueError, TypeError) as e:
        raise CronError(f"cron {expr!r} is not valid: {e}", key="cron_invalid", params={"cron": repr(expr)}) from e
    try:
        nxt = it.get_next(datetime)
    except CroniterError as e:
        raise _never_fires(expr) from e
    return nxt.astimezone(UTC)
