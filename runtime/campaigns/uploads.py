"""CSV and XLSX uploads: rows with their line numbers, and every bad row reported, never dropped.

A row whose cell count differs from the header, an empty header cell or a duplicate header
is a :class:`RowError` with the line number; the caller decides whether to refuse the file
or go on with the good rows, and the errors are shown either way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runtime.campaigns.mapping import SourceRow

__all__ = ["RowError", "UploadError", "read_upload", "read_csv_text", "read_xlsx"]


@dataclass(frozen=True, slots=True)
class RowError:
    row_no: int
    message: str

    def __str__(self) -> str:
        return f"line {self.row_no}: {self.message}"


class UploadError(ValueError):
    """The file cannot be read at all (format, encoding, no header)."""


def _header(cells: list[Any], where: str) -> list[str]:
    names = [("" if c is None else str(c)).strip() for c in cells]
    if not any(names):
        raise UploadError(f"{where}: the header row is empty")
    seen: set[str] = set()
    for i, n in enumerate(names, 1):
        if not n:
            raise UploadError(f"{where}: header column {i} has no name")
        if n in seen:
            raise UploadError(f"{where}: header column {i} repeats the name {n!r}")
        seen.add(n)
    return names


def read_csv_text(text: str, errors: list[RowError]) -> Iterator[SourceRow]:
    """Rows of a CSV document; bad rows go to ``errors`` with their line numbers."""
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        first = next(reader)
    except StopIteration:
        raise UploadError("the file is empty") from None
    header = _header(list(first), "line 1")
    for cells in reader:
        line = reader.line_num
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            errors.append(RowError(line, f"has {len(cells)} cells, the header has {len(header)}"))
            continue
        yield SourceRow(line, dict(zip(header, (c.strip() for c in cells), strict=True)))


def read_xlsx(data: bytes, errors: list[RowError]) -> Iterator[SourceRow]:
    """Rows of the first sheet of an XLSX workbook (row numbers as Excel shows them)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many types for a file that is not a workbook
        raise UploadError(f"not a readable XLSX workbook: {e}") from e
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    try:
        first = next(rows)
    except StopIteration:
        raise UploadError("the first sheet is empty") from None
    cells = list(first)
    while cells and (cells[-1] is None or str(cells[-1]).strip() == ""):
        cells.pop()  # a sheet's used range often runs past the last named column
    header = _header(cells, "row 1")
    for i, cells in enumerate(rows, start=2):
        vals = list(cells)
        if all(c is None or str(c).strip() == "" for c in vals):
            continue
        extra = [c for c in vals[len(header):] if c not in (None, "")]
        if extra:
            errors.append(RowError(i, f"has values beyond the {len(header)} header columns"))
            continue
        vals = (vals + [None] * len(header))[: len(header)]
        yield SourceRow(i, {h: (v.strip() if isinstance(v, str) else v) for h, v in zip(header, vals, strict=True)})
    wb.close()


def read_upload(path: Path, errors: list[RowError]) -> Iterator[SourceRow]:
    suffix = path.suffix.lower()
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UploadError(f"cannot read {path}: {e.strerror}") from e
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(data, errors)
    if suffix in (".csv", ".txt"):
        for enc in ("utf-8", "gb18030"):
            try:
                return read_csv_text(data.decode(enc), errors)
            except UnicodeDecodeError:
                continue
        raise UploadError(f"{path}: not UTF-8 or GB18030 text")
    raise UploadError(f"{path}: unsupported file type {suffix!r} (use .csv or .xlsx)")
