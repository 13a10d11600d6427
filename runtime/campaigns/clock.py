"""The one source of "now" for campaign code: aware UTC datetimes (SQLModel stores them as
``TIMESTAMP WITH TIME ZONE`` and hands them back in UTC on every backend)."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["utcnow", "as_utc"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(dt: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is taken as UTC already."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)
