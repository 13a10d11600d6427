"""Query-string filters of the operator lists, parsed once with messages that name the field.

Pure: strings in, values or :class:`FilterError` out. Dates are calendar days in UTC (the
pages label their times UTC); a "to" day includes the whole day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

__all__ = ["FilterError", "Page", "parse_day", "day_end", "parse_page", "parse_int", "aware"]


class FilterError(ValueError):
    """A filter value that does not parse; the message names the field and the value.

    ``str(e)`` is English; ``key`` and ``params`` name it for the page's language
    (``op.filter.<key>`` in the catalogue, see :func:`web.i18n.errors.say_error`)."""

    def __init__(self, message: str, *, key: str = "", params: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.params: dict[str, Any] = dict(params or {})


def aware(dt: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes for the aware UTC values the campaigns store."""
    if dt is None:
        return None
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def parse_day(value: str | None, field: str) -> datetime | None:
    """``YYYY-MM-DD`` -> that day's 00:00 UTC; empty -> None."""
    v = (value or "").strip()
    if not v:
        return None
    try:
        d = date.fromisoformat(v)
    except ValueError:
        raise FilterError(f"{field}: {v!r} is not a date (YYYY-MM-DD)", key="not_date",
                          params={"field": field, "value": repr(v)}) from None
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


def day_end(start: datetime | None) -> datetime | None:
    """The exclusive end of an inclusive "to" day."""
    return None if start is None else start + timedelta(days=1)


def parse_int(value: str | None, field: str, minimum: int | None = None, maximum: int | None = None) -> int | None:
    v = (value or "").strip()
    if not v:
        return None
    try:
        n = int(v)
    except ValueError:
        raise FilterError(f"{field}: {v!r} is not a whole number", key="not_number",
                          params={"field": field, "value": repr(v)}) from None
    if minimum is not None and n < minimum:
        raise FilterError(f"{field}: {n} is below {minimum}", key="below",
                          params={"field": field, "value": n, "limit": minimum})
    if maximum is not None and n > maximum:
        raise FilterError(f"{field}: {n} is above {maximum}", key="above",
                          params={"field": field, "value": n, "limit": maximum})
    return n


def parse_page(value: str | None) -> int:
    return parse_int(value, "page", minimum=1) or 1


@dataclass(frozen=True, slots=True)
class Page:
    """Which slice of ``total`` rows one page shows."""

    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def current(self) -> int:
        return min(self.number, self.pages)

    @property
    def offset(self) -> int:
        return (self.current - 1) * self.size

    @property
    def has_prev(self) -> bool:
        return self.current > 1

    @property
    def has_next(self) -> bool:
        return self.current < self.pages
