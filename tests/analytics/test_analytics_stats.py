"""Group comparisons agree with scipy and with a simulation of their coverage."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from runtime.analytics.stats import GroupStats, compare_means, compare_shares, wilson

pytestmark = pytest.mark.offline


def test_welch_matches_scipy() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.exponential(30, 800), rng.exponential(25, 500)
    c = compare_means(GroupStats("a", 800, 0, a.mean(), a.var(ddof=1)), GroupStats("b", 500, 0, b.mean(), b.var(ddof=1)), "m")
    assert c.p_value == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue, rel=1e-9)
    assert c.ci_low < c.difference < c.ci_high


def test_two_proportion_z_matches_the_formula() -> None:
    a, b = GroupStats("a", 1000, 260), GroupStats("b", 1000, 220)
    c = compare_shares(a, b, "rate")
    p = 480 / 2000
    z = 0.04 / np.sqrt(p * (1 - p) * 2 / 1000)
    assert c.p_value == pytest.approx(2 * stats.norm.sf(z))
    assert c.relative == pytest.approx(0.04 / 0.22)


def test_interval_covers_the_truth_about_95_percent() -> None:
    rng = np.random.default_rng(8)
    hits = 0
    for _ in range(400):
        ka, kb = rng.binomial(500, 0.3), rng.binomial(400, 0.25)
        c = compare_shares(GroupStats("a", 500, int(ka)), GroupStats("b", 400, int(kb)), "r")
        hits += c.ci_low <= 0.05 <= c.ci_high
    assert 0.91 < hits / 400 < 0.98


def test_wilson_and_degenerate_groups() -> None:
    lo, hi = wilson(0, 10)
    assert lo == 0.0 and 0.2 < hi < 0.35
    assert wilson(0, 0) == (0.0, 0.0)
    c = compare_shares(GroupStats("a", 0), GroupStats("b", 10, 5), "r")
    assert not c.significant
