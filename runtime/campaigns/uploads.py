"""CSV and XLSX uploads: rows with their line numbers, and every bad row reported, never dropped.

A row whose cell count differs from the header, an empty header cell or a duplicate header
is a :class:`RowError` with the line number; the caller decides whether to refuse the file
or go on with the good rows, and the errors are shown either way.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from huashu.core.errors import UserError
from runtime.campaigns.mapping import SourceRow
from runtime.campaigns.upload_limits import UploadLimits, oversized_part, too_many_rows

if TYPE_CHECKING:
    from runtime.campaigns.phones import PhoneCheck

__all__ = ["RowError", "UploadError", "UploadTooLarge", "UploadLimits", "check_xlsx", "decode_text", "read_upload",
           "read_csv_text", "read_xlsx"]

#: Tried in order on the whole file: Excel in China saves CSV as GBK (GB18030 is its superset).
_ENCODINGS = ("utf-8-sig", "gb18030")
_NAMES = {"utf-8-sig": "UTF-8", "gb18030": "GBK/GB18030"}


@dataclass(frozen=True, slots=True)
class RowError:
    """One bad line: its number and what is wrong, in English (CLI, JSON, logs); ``key`` and
    ``params`` name the same sentence in the UI catalogue (``phone.invalid_number``...) where one
    exists, so a page says it in its own language."""

    row_no: int
    message: str
    key: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"line {self.row_no}: {self.message}"

    @classmethod
    def of_number(cls, row_no: int, check: PhoneCheck, raw: object) -> RowError:
        """A number that failed :func:`runtime.campaigns.phones.normalize` on this line."""
        return cls(row_no, str(check.message), f"phone.{check.reason}", {"phone": str(raw)[:40]})


class UploadError(UserError):
    """The file cannot be read at all (format, encoding, no header)."""


class UploadTooLarge(UploadError):
    """The file is past a limit of :class:`UploadLimits` (rows, or how far an XLSX expands)."""




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


#: one physical line with its ending (\r\n, \n or \r), or the last line without one
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _lines(text: str, start: int, starts: list[int]) -> Iterator[str]:
    """Physical lines from ``start``; each line's offset is appended to ``starts``."""
    for m in _LINE.finditer(text, start):
        starts.append(m.start())
        yield m.group()


def _records(text: str, errors: list[RowError]) -> Iterator[tuple[int, list[str]]]:
    """(first line, cells) of every CSV record; a record with broken quoting is a RowError.

    Parsed strictly, so a quote that never closes (the rest of the file would become one cell)
    or that closes on a later line followed by text (the lines between would vanish into it)
    is caught: the error names the line where the record starts, and reading starts again on
    the next line, so the rows after a stray quote are read as rows, not lost. A quirk confined
    to one line (``"Zhang" San``) is read leniently, as before."""
    offset, line_no = 0, 1
    while True:
        starts: list[int] = []  # offsets of the physical lines of the record being read
        reader = csv.reader(_lines(text, offset, starts), strict=True)
        done = 0  # physical lines of the records already yielded
        try:
            for cells in reader:
                yield line_no + done, cells
                done = reader.line_num
                starts.clear()
            return
        except csv.Error as e:
            bad, last = line_no + done, line_no + reader.line_num - 1
            first = _LINE.match(text, starts[0]) if starts else None
            if first is None:
                return
            eof = "unexpected end of data" in str(e)
            if len(starts) == 1 and not eof:
                try:
                    yield bad, next(csv.reader([first.group()]))
                except csv.Error as e1:
                    errors.append(RowError(bad, f"not CSV ({e1}); line skipped"))
            elif eof:
                errors.append(RowError(bad, "unterminated quote: the quoted field that opens on this line never closes"
                                            + (f" (it runs to the end of the file, line {last})" if last > bad else "")
                                            + "; line skipped, the lines after it are read as rows"))
            else:
                errors.append(RowError(bad, f"broken quoting: a quoted field that opens on this line closes on line {last} "
                                            f"followed by text ({e}); line skipped, the lines after it are read as rows"))
            offset, line_no = first.end(), bad + 1


def read_csv_text(text: str, errors: list[RowError], limits: UploadLimits | None = None) -> Iterator[SourceRow]:
    """Rows of a CSV document; bad rows go to ``errors`` with their line numbers (a row that
    spans lines inside a quoted field is numbered by its first line). More records than
    ``limits.row_cap`` (rows, and cells; default: the configured limits) raise :class:`UploadTooLarge`."""
    limits = limits or UploadLimits.configured()
    if text.startswith("\ufeff"):
        text = text[1:]
    before = len(errors)
    records = _records(text, errors)
    first = next(records, None)
    if len(errors) > before and errors[before].row_no == 1:
        raise UploadError(f"line 1 (the header): {errors.pop(before).message.split('; line skipped')[0]}")
    if first is None:
        raise UploadError("the file is empty")
    header = _header(list(first[1]), "line 1")
    width, strip = len(header), str.strip
    max_rows = limits.row_cap(width)
    for n, (line, cells) in enumerate(records, 1):
        if n > max_rows:
            raise UploadTooLarge(too_many_rows(limits, width))
        if not "".join(cells).strip():  # no cells, or only blank ones
            continue
        if len(cells) != width:
            errors.append(RowError(line, f"has {len(cells)} cells, the header has {width}"))
            continue
        yield SourceRow(line, dict(zip(header, map(strip, cells), strict=True)))


def check_xlsx(data: bytes, limits: UploadLimits | None = None) -> None:
    """Refuse a workbook that expands past the limits before anything parses it (a decompression
    bomb): :class:`UploadTooLarge` saying which part and how far, :class:`UploadError` for a file
    that is not a zip archive or whose parts do not inflate to what they declare."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            problem = oversized_part(archive, limits or UploadLimits.configured())
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as e:
        raise UploadError(f"not a readable XLSX workbook: {e}") from e
    if problem:
        raise UploadTooLarge(problem)


def read_xlsx(data: bytes, errors: list[RowError], limits: UploadLimits | None = None) -> Iterator[SourceRow]:
    """Rows of the first sheet of an XLSX workbook (row numbers as Excel shows them), streamed
    (openpyxl read-only mode). :func:`check_xlsx` runs now, before the first row is asked for;
    more rows than ``limits.max_rows`` raise :class:`UploadTooLarge` as the rows are read."""
    limits = limits or UploadLimits.configured()
    check_xlsx(data, limits)
    return _xlsx_rows(data, errors, limits)


def _xlsx_rows(data: bytes, errors: list[RowError], limits: UploadLimits) -> Iterator[SourceRow]:
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
    max_rows = limits.row_cap(len(header))
    for i, cells in enumerate(rows, start=2):
        if i - 1 > max_rows:
            wb.close()
            raise UploadTooLarge(too_many_rows(limits, len(header)))
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


def read_upload(path: Path, errors: list[RowError], limits: UploadLimits | None = None) -> Iterator[SourceRow]:
    """Rows of a CSV/XLSX list file, within ``limits`` (default: the configured ones)."""
    suffix = path.suffix.lower()
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UploadError(f"cannot read {path}: {e.strerror}") from e
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(data, errors, limits)
    if suffix in (".csv", ".txt"):
        if b"\x00" in data[:4096]:
            raise UploadError(f"{path}: binary data, not a CSV text file (UTF-16 lists: save as UTF-8 or GBK CSV)")
        return read_csv_text(decode_text(data, errors), errors, limits)
    raise UploadError(f"{path}: unsupported file type {suffix!r} (use .csv or .xlsx)")
