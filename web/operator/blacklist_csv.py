"""Reading an uploaded blacklist CSV into (line, number) pairs, with per-line errors. Pure.

A file whose first line has a ``phone`` (or ``号码`` / ``手机号`` / ``电话``) column is read as
a CSV; anything else as one number a line. Number validation itself is the campaigns'
``blacklist.add_many`` (it reports bad numbers with their line), so nothing is checked twice.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from runtime.campaigns.uploads import RowError

__all__ = ["CsvError", "PHONE_COLUMNS", "read_numbers", "MAX_BYTES"]

PHONE_COLUMNS: tuple[str, ...] = ("phone", "mobile", "号码", "手机号", "电话", "phone_number")
MAX_BYTES = 5 * 1024 * 1024


class CsvError(ValueError):
    """The whole file is unusable (encoding, size, no rows); the message says why, and ``key`` /
    ``params`` name the page's sentence (``op.bl.err.<key>``)."""

    def __init__(self, message: str, *, key: str = "", params: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.params: dict[str, Any] = dict(params or {})


def _decode(raw: bytes, filename: str) -> str:
    if len(raw) > MAX_BYTES:
        raise CsvError(f"{filename}: larger than {MAX_BYTES // (1024 * 1024)} MB", key="too_large",
                       params={"name": filename, "mb": MAX_BYTES // (1024 * 1024)})
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise CsvError(f"{filename}: not UTF-8 or GB18030 text", key="encoding", params={"name": filename})


def read_numbers(raw: bytes, filename: str = "upload.csv") -> tuple[list[tuple[int, str]], list[RowError]]:
    """(line number, raw value) pairs and the lines that had no number at all."""
    text = _decode(raw, filename)
    lines = text.splitlines()
    if not any(ln.strip() for ln in lines):
        raise CsvError(f"{filename}: the file is empty", key="empty", params={"name": filename})
    header = [h.strip().lower() for h in next(csv.reader([lines[0]]))]
    column = next((i for i, h in enumerate(header) if h in PHONE_COLUMNS), None)
    pairs: list[tuple[int, str]] = []
    errors: list[RowError] = []
    if column is None:
        for i, ln in enumerate(lines, 1):
            v = ln.strip().strip('"').strip()
            if v:
                pairs.append((i, v))
        return pairs, errors
    reader = csv.reader(io.StringIO(text))
    next(reader)
    for row in reader:
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        value = row[column].strip() if column < len(row) else ""
        if not value:
            errors.append(RowError(line, f"no value in the {header[column]!r} column", "op.row.no_number",
                                   {"column": header[column][:40]}))
        else:
            pairs.append((line, value))
    return pairs, errors
