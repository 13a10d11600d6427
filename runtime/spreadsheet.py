"""Cells that a spreadsheet opens as data, never as a formula (CSV/formula injection).

Every export (operator calls, task results, analytics tables, ``huashu campaign export``)
writes its rows through here, because a customer name, a CRM id or an intent label is user
input: ``=HYPERLINK(...)``, ``+1+cmd|' /C calc'!A0`` or ``@SUM(...)`` in a cell runs when an
operator opens the file.

- **CSV** follows OWASP's recommendation (CSV Injection): a cell that starts with ``=``, ``+``,
  ``-``, ``@``, tab or carriage return (or their full-width and small forms, which Excel and
  WPS read as the ASCII ones) is prefixed with a single quote; a field holding the separator,
  a double quote or a line break is wrapped in double quotes with its quotes doubled (the
  ``csv`` module's minimal quoting), so a payload cannot end its cell and start another.
  Fields without those are left unquoted, so the files read as before.
  There is no exemption for ``+`` followed by digits: ``+1+cmd|...`` starts that way too. A
  phone number ``+8613900000000`` is therefore written ``'+8613900000000``: the spreadsheet
  shows it as text (the number keeps its plus and leading zeros); a program reading the CSV
  strips one leading quote.
- **XLSX** cells holding text are written with the string type, so nothing in them is ever a
  formula (openpyxl would otherwise store a value starting with ``=`` as one); a cell that
  looks like a formula also gets Excel's ``quotePrefix`` so editing it keeps it text. No
  quote is added to the text: a phone number reads exactly as stored.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

__all__ = ["FORMULA_STARTS", "looks_like_formula", "csv_cell", "csv_row", "csv_writer", "xlsx_row"]

#: first characters a spreadsheet evaluates: ASCII, full-width (U+FF1D ...), small forms (U+FE62 ...), minus sign
FORMULA_STARTS = frozenset("=+-@\t\r\n" "\uff1d\uff0b\uff0d\uff20" "\ufe66\ufe62\ufe63\ufe6b" "\u2212")


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet could evaluate ``text`` (leading spaces are skipped, as some do)."""
    stripped = text.lstrip(" \u3000")
    return bool(stripped) and (text[0] in FORMULA_STARTS or stripped[0] in FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    """``value`` for a CSV cell: text a spreadsheet would evaluate gets a leading ``'``."""
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


def csv_writer(fh: IO[str]) -> Any:
    """A ``csv.writer`` whose rows must come through :func:`csv_row`; quoting as described above."""
    return csv.writer(fh, quoting=csv.QUOTE_MINIMAL)


def xlsx_row(ws: Any, values: Iterable[Any]) -> list[Any]:
    """Cells for a write-only worksheet ``ws``: text as string-typed cells (never a formula)."""
    from openpyxl.cell import WriteOnlyCell

    out: list[Any] = []
    for v in values:
        if isinstance(v, str):
            cell = WriteOnlyCell(ws, value=v)
            cell.data_type = "s"
            if looks_like_formula(v):
                cell.quotePrefix = True
            out.append(cell)
        else:
            out.append(v)
    return out
