"""The audit trail as CSV rows (the admin page's download and ``huashu audit list --csv``).

A cell that a spreadsheet would run as a formula (= + - @ and tab/CR first) gets a leading quote.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["COLUMNS", "csv_rows"]

COLUMNS = ("seq", "at", "actor", "address", "action", "target_kind", "target_id", "before", "after", "hash")


def _cell(v: Any) -> str:
    s = "" if v is None else str(v)
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s


def csv_rows(rows: Iterable[dict[str, Any]]) -> Iterator[list[str]]:
    for r in rows:
        yield [_cell(r.get(c)) for c in COLUMNS]
