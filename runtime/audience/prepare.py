"""Data preparation as the paper's section 3.1 describes it, fitted once and applied identically later.

``fit_preparation`` learns from a training frame: which columns are numbers, categories or
timestamps; impossible-value ranges; outlier fences; fill values; quantile bins; means and
spreads. ``apply_preparation`` then cleans any frame the same way (training, scoring,
retraining) and returns a :class:`PrepReport` that says, per column, what was changed, so
no value is altered silently.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from huashu.core.errors import UserError
from runtime.audience.frame import Frame, frame_len, numeric, take

__all__ = [
    "ID_COLUMNS",
    "VALID_RANGES",
    "Preparation",
    "PrepReport",
    "Prepared",
    "fit_preparation",
    "apply_preparation",
    "encode_categories",
]

ID_COLUMNS: frozenset[str] = frozenset({"customer_id", "phone", "secondary_phone", "name"})
REQUIRED: tuple[str, ...] = ("customer_id", "phone")
# Values outside these ranges cannot be true (an age of 999, negative usage): set to null, then filled.
VALID_RANGES: dict[str, tuple[float, float]] = {
    "age": (14.0, 110.0),
    "arpu": (0.0, 1e6),
    "data_gb_month": (0.0, 1e5),
    "voice_min_month": (0.0, 44_640.0),
    "recharge_count_6m": (0.0, 1e4),
    "recharge_amount_6m": (0.0, 1e7),
    "complaints_12m": (0.0, 1e3),
    "answer_base": (0.0, 1.0),
    "balance": (-1e5, 1e7),
}
_FENCE_K = 6.0  # outliers: beyond Q3 + 6 IQR or Q1 - 6 IQR (far out, so real long tails survive)
_BINS = 10
_MAX_LEVELS = 30
_SECONDS_PER_DAY = 86400.0


@dataclass
class PrepReport:
    """What preparation changed, per column; shown to the user before any model is trained."""

    rows_in: int = 0
    rows_out: int = 0
    dropped: dict[str, int] = field(default_factory=dict)  # reason -> rows
    nulls_filled: dict[str, int] = field(default_factory=dict)
    impossible: dict[str, int] = field(default_factory=dict)
    outliers_clipped: dict[str, int] = field(default_factory=dict)
    durations: dict[str, str] = field(default_factory=dict)  # timestamp column -> duration column

    def as_dict(self) -> dict[str, Any]:
        """Every field, in declaration order (copies: the report stays the report's)."""
        return asdict(self)


@dataclass
class Preparation:
    """The fitted preparation: everything needed to treat new data exactly like the training data."""

    reference_time: np.datetime64
    numeric: list[str]
    timestamps: list[str]
    categories: dict[str, list[str]]
    fill: dict[str, float]
    fences: dict[str, tuple[float, float]]
    edges: dict[str, np.ndarray]
    mean: dict[str, float]
    std: dict[str, float]

    @property
    def numeric_features(self) -> list[str]:
        return self.numeric + [_duration_name(t) for t in self.timestamps]

    def feature_names(self) -> list[str]:
        """Columns of the design matrix: numbers first, then one indicator per category level."""
        names = list(self.numeric_features)
        for col, levels in self.categories.items():
            names += [f"{col}={lv}" for lv in levels]
        return names


@dataclass
class Prepared:
    """A cleaned frame plus its design matrices; ``rows`` maps back to the input rows kept."""

    rows: np.ndarray
    customer_id: np.ndarray
    numeric: dict[str, np.ndarray]
    codes: dict[str, np.ndarray]  # category column -> level index (len(levels) = other/unknown)
    report: PrepReport

    def matrix(self, prep: Preparation, standardise: bool = False) -> np.ndarray:
        n = len(self.rows)
        width = len(prep.feature_names())
        x = np.empty((n, width), dtype=np.float32)
        j = 0
        for name in prep.numeric_features:
            v = self.numeric[name]
            x[:, j] = (v - prep.mean[name]) / prep.std[name] if standardise else v
            j += 1
        for col, levels in prep.categories.items():
            c = self.codes[col]
            for k in range(len(levels)):
                x[:, j] = c == k
                j += 1
        return x

    def discretised(self, prep: Preparation) -> dict[str, np.ndarray]:
        """Every feature as small integer codes: quantile bins for numbers, levels for categories."""
        out = {name: np.searchsorted(prep.edges[name], self.numeric[name], side="right") for name in prep.edges}
        out.update(self.codes)
        return out


def _duration_name(col: str) -> str:
    return f"{col.removesuffix('_at')}_days"


def encode_categories(values: np.ndarray, levels: list[str]) -> np.ndarray:
    """Level index per value; unseen values and blanks get ``len(levels)`` (other/unknown)."""
    arr = pa.array(values, type=pa.string()).dictionary_encode()
    dictionary = arr.dictionary.to_pylist()
    lookup = {lv: i for i, lv in enumerate(levels)}
    mapping = np.asarray([lookup.get(v, len(levels)) for v in dictionary] + [len(levels)], dtype=np.int16)
    idx = arr.indices.fill_null(len(dictionary)).to_numpy(zero_copy_only=False)
    return mapping[idx]


def _to_durations(values: np.ndarray, reference: np.datetime64) -> np.ndarray:
    days = (reference - values.astype("datetime64[s]")).astype("timedelta64[s]").astype(float) / _SECONDS_PER_DAY
    days[np.isnat(values)] = np.nan
    return days


def _kind(values: np.ndarray) -> str:
    if values.dtype.kind == "M":
        return "timestamp"
    if values.dtype.kind in "fiub":
        return "numeric"
    return "category"


def fit_preparation(frame: Frame, reference_time: np.datetime64 | None = None) -> Preparation:
    """Learn the preparation from ``frame`` (usually the training rows)."""
    numeric, timestamps, categories = [], [], {}
    ref = reference_time
    for name, values in frame.items():
        if name in ID_COLUMNS:
            continue
        kind = _kind(values)
        if kind == "numeric":
            numeric.append(name)
        elif kind == "timestamp":
            timestamps.append(name)
            latest = values[~np.isnat(values)].max() if (~np.isnat(values)).any() else None
            if reference_time is None and latest is not None:
                ref = latest if ref is None else max(ref, latest)
        else:
            enc = pa.array(values, type=pa.string()).value_counts()
            pairs = sorted(
                ((str(v["values"]), int(v["counts"])) for v in enc.to_pylist() if v["values"]),
                key=lambda p: (-p[1], p[0]),
            )
            if len(pairs) > 1:
                categories[name] = [p[0] for p in pairs[:_MAX_LEVELS]]
    prep = Preparation(
        reference_time=ref if ref is not None else np.datetime64("now", "s"),
        numeric=numeric,
        timestamps=timestamps,
        categories=categories,
        fill={},
        fences={},
        edges={},
        mean={},
        std={},
    )
    raw = _raw_numeric(frame, prep)
    for name, v in raw.items():
        lo_ok, hi_ok = VALID_RANGES.get(name, (-np.inf, np.inf))
        ok = v[~np.isnan(v) & (v >= lo_ok) & (v <= hi_ok)]
        if len(ok) == 0:
            ok = np.zeros(1)
        q_lo, q1, med, q3, q_hi = np.percentile(ok, [0.5, 25, 50, 75, 99.5])
        iqr = q3 - q1 if q3 > q1 else max(q_hi - q1, 1.0)
        # Never clip more than the outer 0.5% on either side, so a real long tail survives.
        lo = min(q1 - _FENCE_K * iqr, q_lo)
        hi = max(q3 + _FENCE_K * iqr, q_hi)
        fence = (max(lo, float(ok.min())), min(hi, float(ok.max())))
        prep.fences[name] = fence
        clipped = np.clip(ok, *fence)
        # Never-happened timestamps (never recharged) are "long ago", not "typical".
        prep.fill[name] = float(fence[1]) if name in {_duration_name(t) for t in timestamps} else float(med)
        prep.mean[name] = float(clipped.mean())
        prep.std[name] = float(clipped.std()) or 1.0
        edges = np.unique(np.quantile(clipped, np.linspace(0, 1, _BINS + 1)[1:-1]))
        prep.edges[name] = edges
    return prep


def _raw_numeric(frame: Frame, prep: Preparation) -> dict[str, np.ndarray]:
    out = {}
    for name in prep.numeric:
        if name not in frame:
            raise UserError(f"column {name!r} is missing from the customer data")
        out[name] = numeric(frame, name, what="the customer data")
    for name in prep.timestamps:
        if name not in frame:
            raise UserError(f"column {name!r} is missing from the customer data")
        out[_duration_name(name)] = _to_durations(frame[name], prep.reference_time)
    return out


def apply_preparation(frame: Frame, prep: Preparation) -> Prepared:
    """Clean ``frame`` with a fitted preparation; returns the kept rows and what was changed."""
    n = frame_len(frame)
    report = PrepReport(rows_in=n)
    keep = np.ones(n, dtype=bool)
    for col in REQUIRED:
        if col not in frame:
            raise UserError(f"column {col!r} is required in the customer data")
        v = frame[col]
        if v.dtype.kind == "f":
            missing = np.isnan(v)
        elif v.dtype.kind in "iu":
            missing = v < 0  # a missing text id was read as -1
        else:
            missing = (v == "") | (v == None)  # noqa: E711
        if missing.any():
            report.dropped[f"{col} missing"] = int((missing & keep).sum())
            keep &= ~missing
    ids = np.asarray(frame["customer_id"])
    _, first = np.unique(ids, return_index=True)
    dup = np.ones(n, dtype=bool)
    dup[first] = False
    if (dup & keep).any():
        report.dropped["duplicate customer_id"] = int((dup & keep).sum())
        keep &= ~dup
    rows = np.flatnonzero(keep)
    sub = take(frame, rows)
    numeric = {}
    for name, v in _raw_numeric(sub, prep).items():
        v = v.copy()
        lo_ok, hi_ok = VALID_RANGES.get(name, (-np.inf, np.inf))
        bad = (v < lo_ok) | (v > hi_ok)
        if bad.any():
            report.impossible[name] = int(bad.sum())
            v[bad] = np.nan
        nulls = np.isnan(v)
        if nulls.any():
            report.nulls_filled[name] = int(nulls.sum())
            v[nulls] = prep.fill[name]
        lo, hi = prep.fences[name]
        out = (v < lo) | (v > hi)
        if out.any():
            report.outliers_clipped[name] = int(out.sum())
            np.clip(v, lo, hi, out=v)
        numeric[name] = v
    codes = {}
    for col, levels in prep.categories.items():
        if col not in sub:
            raise UserError(f"column {col!r} is missing from the customer data")
        c = encode_categories(sub[col], levels)
        blanks = int(((sub[col] == "") | (sub[col] == None)).sum())  # noqa: E711
        if blanks:
            report.nulls_filled[col] = blanks
        codes[col] = c
    for t in prep.timestamps:
        report.durations[t] = _duration_name(t)
    report.rows_out = len(rows)
    return Prepared(rows=rows, customer_id=ids[rows], numeric=numeric, codes=codes, report=report)
