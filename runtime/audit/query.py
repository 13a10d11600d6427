"""Audit filters from user input (page query string, API): allow-listed keys, bounded sizes,
dates checked, so a bad filter is a clear message and never a database error."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from huashu.core.errors import UserError
from runtime.audit.log import AuditFilter

__all__ = ["AuditQueryError", "PAGE_SIZE", "parse_filter"]

PAGE_SIZE = 100
MAX_EXPORT = 10_000
_TEXT_KEYS = ("actor", "action", "kind", "target")


class AuditQueryError(UserError):
    """A filter value that cannot be used; the message names the field."""


def _when(field: str, value: str) -> str:
    try:
        return (datetime.fromisoformat(value) if "T" in value else datetime.combine(date.fromisoformat(value),
                                                                                  datetime.min.time())).strftime(
            "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        raise AuditQueryError(f"{field}: {value[:40]!r} is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM)") from None


def parse_filter(q: Mapping[str, str], *, export: bool = False) -> AuditFilter:
    vals = {k: (q.get(k) or "").strip() for k in (*_TEXT_KEYS, "since", "until", "page")}
    for k in _TEXT_KEYS:
        if len(vals[k]) > 200:
            raise AuditQueryError(f"{k}: at most 200 characters")
    page = vals["page"] or "1"
    if not page.isdigit() or not 1 <= int(page) <= 100_000:
        raise AuditQueryError(f"page: {page[:20]!r} is not a page number")
    limit = MAX_EXPORT if export else PAGE_SIZE
    return AuditFilter(
        actor=vals["actor"] or None, action=vals["action"] or None, target_kind=vals["kind"] or None,
        target_id=vals["target"] or None,
        since=_when("since", vals["since"]) if vals["since"] else None,
        until=_when("until", vals["until"]) if vals["until"] else None,
        limit=limit, offset=0 if export else (int(page) - 1) * PAGE_SIZE,
    )
