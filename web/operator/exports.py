"""Call results as CSV (UTF-8 with BOM, so Excel reads Chinese) and XLSX (openpyxl, write-only).

No cell is ever evaluated by the spreadsheet: rows go through :mod:`runtime.spreadsheet`
(CSV: OWASP's quote prefix on every text that starts like a formula, phone numbers included;
XLSX: text as string-typed cells).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from runtime.spreadsheet import csv_cell, csv_row, csv_writer, xlsx_row
from web.operator.call_views import CallRow

__all__ = ["COLUMNS", "header", "row_values", "csv_chunks", "xlsx_bytes", "safe_cell"]

COLUMNS: tuple[str, ...] = (
    "call_id", "task_id", "task", "customer_id", "name", "phone", "leg", "outcome", "outcome_label", "cause",
    "started_at_utc", "ended_at_utc", "ring_s", "talk_s", "intent", "opt_out",
)


def header(t: Callable[[str], str] | None) -> list[str]:
    """The header row in the reader's language (``t``), or the column keys (None)."""
    return list(COLUMNS) if t is None else [t("op.export.col." + k) for k in COLUMNS]


def safe_cell(value: Any) -> Any:
    """The CSV form of one cell (kept for callers of the old name)."""
    return csv_cell(value)


def _iso(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S") if dt else ""


def row_values(r: CallRow, label: Callable[[str], str]) -> list[Any]:
    """One call's cells, unescaped: the writer of each format makes them safe."""
    return [
        r.id, r.task_id, r.task_name or "", r.customer_id or "", r.name or "", r.phone, r.leg, r.outcome or "in_call",
        label(r.outcome or "in_call"), r.cause or "", _iso(r.started_at), _iso(r.ended_at),
        round(r.ring_ms / 1000, 1), round(r.talk_ms / 1000, 1), r.intent or "", "yes" if r.opt_out else "no",
    ]


def csv_chunks(rows: Iterable[CallRow], label: Callable[[str], str], rows_per_chunk: int = 500,
               names: Sequence[str] = COLUMNS) -> Iterator[bytes]:
    """Streamed in chunks, so an export of a big campaign never sits whole in memory."""
    buf = io.StringIO()
    w = csv_writer(buf)
    buf.write("\ufeff")
    w.writerow(csv_row(names))
    for n, r in enumerate(rows, 1):
        w.writerow(csv_row(row_values(r, label)))
        if n % rows_per_chunk == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")


def xlsx_bytes(rows: Iterable[CallRow], label: Callable[[str], str], sheet: str = "calls",
               names: Sequence[str] = COLUMNS) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    bold = Font(bold=True)
    header = []
    for name in names:
        c = WriteOnlyCell(ws, value=name)
        c.data_type = "s"
        c.font = bold
        header.append(c)
    ws.append(header)
    for r in rows:
        ws.append(xlsx_row(ws, row_values(r, label)))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
