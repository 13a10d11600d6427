"""Model quality as business users read it: AUC, lift and precision at the chosen cut, Qini for uplift."""

from __future__ import annotations

import numpy as np

__all__ = ["auc", "precision_at", "lift_at", "cut_metrics", "qini", "uplift_at"]


def auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve by the rank-sum formula (ties count half); 0.5 when one class is absent."""
    y = np.asarray(y, dtype=bool)
    pos, neg = int(y.sum()), int((~y).sum())
    if pos == 0 or neg == 0:
        return 0.5
    order = np.argsort(score, kind="mergesort")
    s = np.asarray(score)[order]
    ranks = np.empty(len(s), dtype=float)
    # average ranks over ties
    _, start, counts = np.unique(s, return_index=True, return_counts=True)
    avg = start + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[y].sum() - pos * (pos + 1) / 2.0) / (pos * neg))


def _top(score: np.ndarray, share: float) -> np.ndarray:
    k = max(1, int(round(len(score) * share)))
    return np.argsort(-np.asarray(score), kind="mergesort")[:k]


def precision_at(y: np.ndarray, score: np.ndarray, share: float) -> float:
    """Share of positives among the top ``share`` of customers by score."""
    return float(np.asarray(y, dtype=float)[_top(score, share)].mean())


def lift_at(y: np.ndarray, score: np.ndarray, share: float) -> float:
    """Precision at the cut divided by the base rate: how many times better than calling at random."""
    base = float(np.asarray(y, dtype=float).mean())
    return precision_at(y, score, share) / base if base > 0 else 0.0


def cut_metrics(y: np.ndarray, score: np.ndarray, share: float) -> dict[str, float]:
    return {
        "auc": round(auc(y, score), 4),
        "cut_share": share,
        "precision_at_cut": round(precision_at(y, score, share), 4),
        "lift_at_cut": round(lift_at(y, score, share), 3),
        "base_rate": round(float(np.mean(y)), 4),
    }


def uplift_at(y: np.ndarray, treated: np.ndarray, score: np.ndarray, share: float) -> float:
    """Observed uplift (treated rate - control rate) among the top ``share`` by predicted uplift."""
    idx = _top(score, share)
    t = np.asarray(treated, dtype=bool)[idx]
    yy = np.asarray(y, dtype=float)[idx]
    if t.sum() == 0 or (~t).sum() == 0:
        return 0.0
    return float(yy[t].mean() - yy[~t].mean())


def qini(y: np.ndarray, treated: np.ndarray, score: np.ndarray, points: int = 10) -> dict[str, object]:
    """Qini curve at ``points`` cuts and the Qini coefficient (area between the curve and random).

    Q(k) = Y_t(k) - Y_c(k) * N_t(k) / N_c(k): incremental responders among the top k customers.
    """
    order = np.argsort(-np.asarray(score), kind="mergesort")
    t = np.asarray(treated, dtype=bool)[order]
    yy = np.asarray(y, dtype=float)[order]
    n = len(order)
    cum_t, cum_c = np.cumsum(t), np.cumsum(~t)
    cum_yt, cum_yc = np.cumsum(yy * t), np.cumsum(yy * ~t)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(cum_c > 0, cum_yt - cum_yc * cum_t / np.maximum(cum_c, 1), 0.0)
    total = q[-1] if n else 0.0
    xs = np.arange(1, n + 1) / max(n, 1)
    area = float(np.trapezoid(q, xs) - total / 2.0) if n else 0.0
    cuts = [max(1, int(round(n * k / points))) - 1 for k in range(1, points + 1)] if n else []
    return {
        "coefficient": round(area / n if n else 0.0, 6),
        "curve": [{"share": round((i + 1) / n, 3), "incremental": round(float(q[i]), 2)} for i in cuts],
        "total_incremental": round(float(total), 2),
    }
