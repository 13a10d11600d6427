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

__all__ = ["RowError", "UploadError", "decode_text", "read_upload", "read_csv_text", "read_xlsx"]

#: Tried in order on the whole file: Excel in China saves CSV as GBK (GB18030 is its superset).
_ENCODINGS = ("utf-8-sig", "gb18030")
_NAMES = {"utf-8-sig": "UTF-8", "gb18030": "GBK/GB18030"}


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


def decode_text(data: bytes, errors: list[RowError]) -> str:
    """The text of an uploaded list: UTF-8 (with or without BOM), else GBK/GB18030.

    A file that is neither as a whole is decoded line by line (in the encoding most lines
    fit), and each undecodable line becomes a :class:`RowError` and an empty line — so one bad
    byte costs one line, not the file, and the line numbers of the others stay right.
    """
    for enc in _ENCODINGS:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = data.split(b"\n")
    best = max(_ENCODINGS, key=lambda enc: sum(_fits(ln, enc) for ln in lines))
    out: list[str] = []
    for no, raw in enumerate(lines, start=1):
        try:
            out.append(raw.decode(best))
        except UnicodeDecodeError as e:
            errors.append(RowError(no, f"not {_NAMES[best]} text (byte {raw[e.start]:#04x} at column {e.start + 1}); line skipped"))
            out.append("")
    return "\n".join(out)


def _fits(line: bytes, enc: str) -> bool:
    try:
        line.decode(enc)
    except UnicodeDecodeError:
        return False
    return True


def read_upload(path: Path, errors: list[RowError]) -> Iterator[SourceRow]:
    suffix = path.suffix.lower()
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UploadError(f"cannot read {path}: {e.strerror}") from e
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(data, errors)
    if suffix in (".csv", ".txt"):
        if b"\x00" in data[:4096]:
            raise UploadError(f"{path}: binary data, not a CSV text file (UTF-16 lists: save as UTF-8 or GBK CSV)")
        return read_csv_text(decode_text(data, errors), errors)
    raise UploadError(f"{path}: unsupported file type {suffix!r} (use .csv or .xlsx)")
