"""Comparing two groups honestly: differences with confidence intervals and a significance test.

Shares (recharge rate, connect rate) use the two-proportion z-test (pooled for the p-value,
unpooled Wald interval for the difference); amounts use Welch's t-test, which does not
assume equal variances. Both work from summary statistics so the store can aggregate in SQL.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["GroupStats", "Comparison", "compare_shares", "compare_means", "wilson", "compare_groups"]


@dataclass(frozen=True, slots=True)
class GroupStats:
    """A group by its size, positives (for shares) and amount mean/variance."""

    name: str
    n: int
    positives: int = 0
    mean: float = 0.0
    var: float = 0.0

    @property
    def share(self) -> float:
        return self.positives / self.n if self.n else 0.0


@dataclass(frozen=True, slots=True)
class Comparison:
    metric: str
    a: float
    b: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    test: str
    significant: bool
    relative: float | None  # difference / b, the lift over the reference group

    def as_dict(self) -> dict[str, Any]:
        return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a share; sensible even for small n or shares near 0 and 1."""
    from scipy import stats as _st
    if n == 0:
        return 0.0, 0.0
    z = float(_st.norm.ppf(0.5 + confidence / 2))
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def compare_shares(a: GroupStats, b: GroupStats, metric: str, confidence: float = 0.95) -> Comparison:
    """Share of ``a`` minus share of ``b``, with a Wald interval and a pooled two-proportion z-test."""
    from scipy import stats as _st
    pa, pb = a.share, b.share
    diff = pa - pb
    z = float(_st.norm.ppf(0.5 + confidence / 2))
    if a.n == 0 or b.n == 0:
        return Comparison(metric, pa, pb, diff, math.nan, math.nan, math.nan, "two-proportion z", False, None)
    se = math.sqrt(pa * (1 - pa) / a.n + pb * (1 - pb) / b.n)
    pooled = (a.positives + b.positives) / (a.n + b.n)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / a.n + 1 / b.n))
    p = float(2 * _st.norm.sf(abs(diff) / se0)) if se0 > 0 else (1.0 if diff == 0 else 0.0)
    rel = diff / pb if pb > 0 else None
    return Comparison(metric, pa, pb, diff, diff - z * se, diff + z * se, p, "two-proportion z", p < 1 - confidence, rel)


def compare_means(a: GroupStats, b: GroupStats, metric: str, confidence: float = 0.95) -> Comparison:
    """Mean of ``a`` minus mean of ``b``, Welch's t-test and interval (Welch-Satterthwaite df)."""
    from scipy import stats as _st
    diff = a.mean - b.mean
    if a.n < 2 or b.n < 2:
        return Comparison(metric, a.mean, b.mean, diff, math.nan, math.nan, math.nan, "Welch t", False, None)
    va, vb = a.var / a.n, b.var / b.n
    se = math.sqrt(va + vb)
    if se == 0:
        p = 1.0 if diff == 0 else 0.0
        return Comparison(metric, a.mean, b.mean, diff, diff, diff, p, "Welch t", p < 1 - confidence, None)
    df = (va + vb) ** 2 / (va * va / (a.n - 1) + vb * vb / (b.n - 1))
    t = diff / se
    p = float(2 * _st.t.sf(abs(t), df))
    q = float(_st.t.ppf(0.5 + confidence / 2, df))
    rel = diff / b.mean if b.mean else None
    return Comparison(metric, a.mean, b.mean, diff, diff - q * se, diff + q * se, p, "Welch t", p < 1 - confidence, rel)


def compare_groups(a: GroupStats, b: GroupStats, confidence: float = 0.95) -> dict[str, Any]:
    """The recharge-rate and recharge-amount comparisons of ``a`` against the reference ``b``."""
    return {
        "a": {"name": a.name, "n": a.n, "recharged": a.positives, "mean_amount": round(a.mean, 3)},
        "b": {"name": b.name, "n": b.n, "recharged": b.positives, "mean_amount": round(b.mean, 3)},
        "confidence": confidence,
        "recharge_rate": compare_shares(a, b, "recharge_rate", confidence).as_dict(),
        "mean_recharge": compare_means(a, b, "mean_recharge", confidence).as_dict(),
    }
