"""Feature selection by information gain ratio, the C4.5 criterion the paper names.

Gain ratio = information gain / split information. Plain information gain favours features
with many values (an ID splits perfectly); dividing by the entropy of the split itself
removes that bias. Categories split one way per value. Numbers split as C4.5 splits them:
the best binary threshold, with Quinlan's (1996) correction that subtracts
log2(candidate thresholds) / N from the gain, so a number is not preferred merely for having
many places to cut. C4.5 then only considers features whose gain is at least the average
gain, which :func:`rank_features` reports as ``eligible``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["entropy", "gain_ratio", "threshold_gain_ratio", "rank_features", "FeatureScore"]

_MAX_CANDIDATES = 64  # thresholds tried per number: quantiles of its values


@dataclass(frozen=True, slots=True)
class FeatureScore:
    feature: str
    gain: float
    split_info: float
    gain_ratio: float
    eligible: bool  # gain >= mean gain (C4.5's guard against tiny-split-info features)
    threshold: float | None = None  # the best cut of a number (x <= threshold goes left)


def entropy(counts: np.ndarray) -> float:
    """Shannon entropy in bits of a vector of counts."""
    c = np.asarray(counts, dtype=float)
    total = c.sum()
    if total <= 0:
        return 0.0
    p = c[c > 0] / total
    return float(-(p * np.log2(p)).sum())


def _rows_entropy(counts: np.ndarray) -> np.ndarray:
    """Entropy of each row of a 2-D count array."""
    totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(totals > 0, counts / np.maximum(totals, 1), 0.0)
        logs = np.where(p > 0, np.log2(np.where(p > 0, p, 1.0)), 0.0)
    return np.asarray(-(p * logs).sum(axis=1))


def gain_ratio(codes: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """(gain, split_info, gain_ratio) of a discrete feature ``codes`` for a discrete target ``y``."""
    codes = np.asarray(codes, dtype=np.int64)
    y = np.asarray(y, dtype=np.int64)
    if codes.shape != y.shape:
        raise ValueError("feature and target must have the same length")
    if len(y) == 0:
        return 0.0, 0.0, 0.0
    if codes.min() < 0 or y.min() < 0:
        raise ValueError("codes and target must be non-negative integers")
    n_classes = int(y.max()) + 1
    n_values = int(codes.max()) + 1
    joint = np.bincount(codes * n_classes + y, minlength=n_values * n_classes).reshape(n_values, n_classes)
    total = float(len(y))
    h_y = entropy(joint.sum(axis=0))
    per_value = joint.sum(axis=1)
    h_cond = float((per_value / total * _rows_entropy(joint)).sum())
    gain = max(h_y - h_cond, 0.0)
    split = entropy(per_value)
    return gain, split, (gain / split if split > 0 else 0.0)


def threshold_gain_ratio(values: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float | None]:
    """(gain, split_info, gain_ratio, threshold) of the best binary cut of a number, C4.5 style."""
    x = np.asarray(values, dtype=float)
    y = np.asarray(y, dtype=np.int64)
    if x.shape != y.shape:
        raise ValueError("feature and target must have the same length")
    ok = ~np.isnan(x)
    x, y = x[ok], y[ok]
    n = len(y)
    if n == 0:
        return 0.0, 0.0, 0.0, None
    cuts = np.unique(np.quantile(x, np.linspace(0, 1, _MAX_CANDIDATES + 1)[1:-1]))
    cuts = cuts[cuts < x.max()]
    if len(cuts) == 0:
        return 0.0, 0.0, 0.0, None
    n_classes = int(y.max()) + 1
    bins = np.searchsorted(cuts, x, side="left")  # bin b holds cuts[b-1] < x <= cuts[b]
    joint = np.bincount(bins * n_classes + y, minlength=(len(cuts) + 1) * n_classes).reshape(-1, n_classes)
    left = np.cumsum(joint, axis=0)[:-1]  # x <= cuts[i]
    right = joint.sum(axis=0) - left
    n_left, n_right = left.sum(axis=1), right.sum(axis=1)
    h_y = entropy(joint.sum(axis=0))
    gains = h_y - (n_left * _rows_entropy(left) + n_right * _rows_entropy(right)) / n
    gains = gains - math.log2(len(cuts)) / n if len(cuts) > 1 else gains  # Quinlan's MDL correction
    best = int(np.argmax(gains))
    gain = max(float(gains[best]), 0.0)
    split = entropy(np.asarray([n_left[best], n_right[best]]))
    return gain, split, (gain / split if split > 0 else 0.0), float(cuts[best])


def rank_features(
    discrete: dict[str, np.ndarray], y: np.ndarray, continuous: dict[str, np.ndarray] | None = None
) -> list[FeatureScore]:
    """Every feature with its gain ratio, best first; ``eligible`` marks those C4.5 would consider.

    ``discrete`` features (categories, bins) split per value; ``continuous`` ones at their best threshold.
    """
    raw: list[tuple[str, float, float, float, float | None]] = [
        (name, *gain_ratio(codes, y), None) for name, codes in discrete.items()
    ]
    raw += [(name, *threshold_gain_ratio(v, y)) for name, v in (continuous or {}).items()]
    if not raw:
        return []
    mean_gain = float(np.mean([r[1] for r in raw]))
    scores = [FeatureScore(n, g, s, r, g >= mean_gain - 1e-12, t) for n, g, s, r, t in raw]
    return sorted(scores, key=lambda f: (-f.gain_ratio, f.feature))
