"""Columnar customer data: a dict of equally long NumPy arrays, read from and written to CSV or Parquet.

A plain dict keeps the pure steps (cleaning, features, scoring) free of any dataframe
library; pyarrow does the file I/O because it reads a million-row file in well under a second.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from huashu.core.errors import UserError

__all__ = [
    "Frame",
    "FrameError",
    "read_frame",
    "write_frame",
    "frame_len",
    "take",
    "numeric",
    "to_arrow",
    "from_arrow",
    "frame_columns",
]

Frame = dict[str, np.ndarray]


class FrameError(UserError):
    """A customer file that cannot be read or does not have the expected shape."""


def numeric(frame: Frame, column: str, dtype: Any = float, *, what: str = "the data") -> np.ndarray:
    """``frame[column]`` as ``dtype`` numbers; :class:`FrameError` naming ``what``, the column and the
    first value that is not a number (numpy's own ValueError would not say where)."""
    try:
        return np.asarray(frame[column], dtype=dtype)
    except (ValueError, TypeError) as e:
        raise FrameError(f"{what}: column {column!r} must hold numbers ({e})") from None


def frame_len(frame: Frame) -> int:
    lengths = {len(v) for v in frame.values()}
    if len(lengths) > 1:
        raise FrameError(f"columns have different lengths: {sorted(lengths)}")
    return lengths.pop() if lengths else 0


def take(frame: Frame, index: np.ndarray) -> Frame:
    """Rows ``index`` (a boolean mask or integer positions) of every column."""
    return {k: v[index] for k, v in frame.items()}


def _column_to_numpy(col: pa.ChunkedArray) -> np.ndarray:
    t = col.type
    if pa.types.is_timestamp(t):
        col = col.cast(pa.timestamp("s"))
        return np.asarray(col.to_numpy(zero_copy_only=False), dtype="datetime64[s]")
    if pa.types.is_integer(t) and col.null_count:
        return np.asarray(col.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t):
        arr = col.to_numpy(zero_copy_only=False)
        if pa.types.is_floating(t):
            return np.asarray(arr, dtype=float)
        return np.asarray(arr)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_dictionary(t) or pa.types.is_null(t):
        arr = col.cast(pa.string()).fill_null("").to_numpy(zero_copy_only=False)
        return np.asarray(arr, dtype=object)
    raise FrameError(f"unsupported column type {t}")


def from_arrow(table: pa.Table) -> Frame:
    return {name: _column_to_numpy(table.column(name)) for name in table.column_names}


def to_arrow(frame: Frame) -> pa.Table:
    cols = {}
    for k, v in frame.items():
        if v.dtype.kind == "f":
            cols[k] = pa.array(v, mask=np.isnan(v))
        elif v.dtype.kind == "O":
            cols[k] = pa.array(v.astype(str) if len(v) else v, type=pa.string())
        else:
            cols[k] = pa.array(v)
    return pa.table(cols)


def read_frame(path: str | Path) -> Frame:
    """Read a ``.csv`` or ``.parquet`` customer file; raise :class:`FrameError` with the reason."""
    p = Path(path)
    if not p.is_file():
        raise FrameError(f"{p}: no such file")
    try:
        if p.suffix.lower() == ".parquet":
            table = pq.read_table(p)
        elif p.suffix.lower() in (".csv", ".txt"):
            table = pacsv.read_csv(
                p,
                convert_options=pacsv.ConvertOptions(
                    column_types={"phone": pa.string(), "secondary_phone": pa.string()},
                    strings_can_be_null=False,
                ),
            )
        else:
            raise FrameError(f"{p}: unknown file type {p.suffix!r} (use .csv or .parquet)")
    except (pa.ArrowInvalid, OSError) as e:
        raise FrameError(f"{p}: {e}") from e
    frame = from_arrow(table)
    ids = frame.get("customer_id")
    if ids is not None and ids.dtype.kind == "O":
        # Text ids (C-0001) become the stable 62-bit key analytics and business data join on.
        from runtime.analytics.records import customer_key

        keys = [customer_key(v) for v in ids]
        frame["customer_id"] = np.asarray([-1 if k is None else k for k in keys], dtype=np.int64)  # -1: missing
    return frame


def write_frame(frame: Frame, path: str | Path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    table = to_arrow(frame)
    if p.suffix.lower() == ".parquet":
        pq.write_table(table, p, compression="zstd")
    elif p.suffix.lower() == ".csv":
        pacsv.write_csv(table, p)
    else:
        raise FrameError(f"{p}: unknown file type {p.suffix!r} (use .csv or .parquet)")
    return p


def frame_columns(path: str | Path) -> list[str]:
    """Column names of a customer file without reading its rows (for pickers on the pages)."""
    p = Path(path)
    if not p.is_file():
        raise FrameError(f"{p}: no such file")
    try:
        if p.suffix.lower() == ".parquet":
            return list(pq.read_schema(p).names)
        with p.open(encoding="utf-8", newline="") as fh:
            return [c.strip() for c in next(csv.reader(fh), [])]
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as e:
        raise FrameError(f"{p}: {e}") from e
