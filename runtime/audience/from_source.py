"""Customer data from a campaign data source (CSV/XLSX, MySQL, PostgreSQL, Oracle, HTTP) as a frame.

Rows arrive as dicts of loosely typed values; each column becomes numbers if every non-empty
value is a number, timestamps if every one parses as an ISO date/time, else text. Customer
ids that are not integers go through :func:`runtime.analytics.records.customer_key` so calls,
business data and audiences join on the same key. Bad rows are reported, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np

from huashu.core.errors import UserError
from runtime.analytics.records import customer_key
from runtime.audience.frame import Frame

__all__ = ["frame_from_rows", "frame_from_source"]


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, int | float | Decimal):
        return float(v)
    try:
        return float(str(v).strip())
    except ValueError:
        return None


def _timestamp(v: Any) -> np.datetime64 | None:
    if isinstance(v, datetime):
        return np.datetime64(v.replace(tzinfo=None), "s")
    if isinstance(v, date):
        return np.datetime64(v, "s")
    try:
        return np.datetime64(str(v).strip().replace(" ", "T").removesuffix("Z"), "s")
    except ValueError:
        return None


def _column(values: list[Any]) -> np.ndarray:
    present = [v for v in values if v is not None and str(v).strip() != ""]
    nums = [_number(v) for v in present]
    if present and all(n is not None for n in nums):
        return np.asarray([np.nan if (v is None or str(v).strip() == "") else _number(v) for v in values], dtype=float)
    stamps = [_timestamp(v) for v in present]
    if present and all(s is not None for s in stamps):
        return np.asarray(
            [np.datetime64("NaT") if (v is None or str(v).strip() == "") else _timestamp(v) for v in values],
            dtype="datetime64[s]",
        )
    return np.asarray(["" if v is None else str(v).strip() for v in values], dtype=object)


def _columns_of(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """The rows' values by column, read in one pass (an upload streams through here: no list of
    every row's dict is ever held); a column first seen later is None in the rows before it."""
    columns: dict[str, list[Any]] = {}
    for n, r in enumerate(rows):
        for k in r:
            if k not in columns:
                columns[k] = [None] * n
        for k, col in columns.items():
            col.append(r.get(k))
    return columns


def frame_from_rows(
    rows: Iterable[Mapping[str, Any]], id_column: str = "customer_id", phone_column: str | None = "phone"
) -> Frame:
    """A frame from dict rows; ``id_column``/``phone_column`` are renamed to customer_id/phone.

    ``phone_column=None`` reads data without numbers (business data).
    """
    columns = _columns_of(rows)
    if not columns:
        raise UserError("the data source returned no rows")
    names = list(columns)
    for need in (id_column, phone_column):
        if need is not None and need not in names:
            raise UserError(f"the data source has no column {need!r} (have: {', '.join(names)})")
    frame: Frame = {}
    for name in names:
        values = columns.pop(name)  # each column's values go once they are converted
        if name == id_column:
            keys = [customer_key(None if v is None else str(v)) for v in values]
            frame["customer_id"] = np.asarray([-1 if k is None else k for k in keys], dtype=np.int64)
        elif name == phone_column:
            frame["phone"] = np.asarray(["" if v is None else str(v).strip() for v in values], dtype=object)
        else:
            frame[name] = _column(values)
    return frame


def frame_from_source(session: Any, source: str, query: str | None = None, params: Mapping[str, Any] | None = None,
                      id_column: str = "customer_id", phone_column: str | None = "phone") -> tuple[Frame, list[str]]:
    """(frame, row errors) from the campaign data source named ``source``."""
    from sqlmodel import select

    from runtime.campaigns.models import DataSource
    from runtime.campaigns.secrets import SecretBox
    from runtime.campaigns.sources import fetch_rows, spec_from_record

    rec = session.exec(select(DataSource).where(DataSource.name == source)).first()
    if rec is None:
        raise UserError(f"no data source {source!r}")
    errors: list[Any] = []
    rows = [r.values for r in fetch_rows(spec_from_record(rec, SecretBox()), query, params, errors)]
    return frame_from_rows(rows, id_column, phone_column), [str(e) for e in errors]
