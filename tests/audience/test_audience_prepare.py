"""Preparation: impossible values, nulls, outliers, durations, reported per column; gain ratio done right."""

from __future__ import annotations

import math

import numpy as np
import pytest

from runtime.audience.gainratio import entropy, gain_ratio, rank_features
from runtime.audience.prepare import apply_preparation, encode_categories, fit_preparation

pytestmark = pytest.mark.offline


def _frame() -> dict[str, np.ndarray]:
    n = 1000
    rng = np.random.default_rng(0)
    age = np.clip(rng.normal(40, 10, n).round(), 18, 80)
    age[:5] = 999.0  # impossible
    age[5:15] = np.nan
    arpu = rng.gamma(3, 20, n)
    arpu[20] = 1e5  # an outlier far beyond the fence
    ts = np.datetime64("2026-01-01T00:00:00", "s") - (rng.integers(1, 400, n) * 86400).astype("timedelta64[s]")
    ts[30:40] = np.datetime64("NaT")
    plan = np.asarray(["a", "b", "c", ""] * 250, dtype=object)
    return {
        "customer_id": np.arange(n, dtype=np.int64),
        "phone": np.asarray([f"138{i:08d}" for i in range(n)], dtype=object),
        "age": age,
        "arpu": arpu,
        "last_recharge_at": ts,
        "plan": plan,
    }


def test_preparation_reports_every_change() -> None:
    f = _frame()
    prep = fit_preparation(f, reference_time=np.datetime64("2026-01-01T00:00:00", "s"))
    data = apply_preparation(f, prep)
    r = data.report
    assert r.impossible == {"age": 5}
    assert r.nulls_filled["age"] == 15  # 10 nulls + 5 impossible set to null
    assert r.nulls_filled["last_recharge_days"] == 10
    assert r.nulls_filled["plan"] == 250
    assert r.outliers_clipped.get("arpu", 0) >= 1
    assert r.durations == {"last_recharge_at": "last_recharge_days"}
    age = data.numeric["age"]
    assert not np.isnan(age).any() and age.max() < 110
    assert data.numeric["arpu"].max() < 1e4
    # never-recharged fills as "long ago", not the median
    assert data.numeric["last_recharge_days"][30] >= np.nanmax(data.numeric["last_recharge_days"][40:]) - 1e-9
    assert "plan=a" in prep.feature_names()


def test_rows_without_id_or_phone_and_duplicates_are_dropped_and_counted() -> None:
    f = _frame()
    f["phone"][3] = ""
    f["customer_id"][7] = f["customer_id"][8]
    prep = fit_preparation(f)
    data = apply_preparation(f, prep)
    assert data.report.dropped == {"phone missing": 1, "duplicate customer_id": 1}
    assert data.report.rows_out == 998


def test_design_matrix_standardises_and_one_hot_encodes() -> None:
    f = _frame()
    prep = fit_preparation(f)
    data = apply_preparation(f, prep)
    x = data.matrix(prep, standardise=True)
    names = prep.feature_names()
    assert x.shape == (1000, len(names))
    j = names.index("age")
    assert abs(float(x[:, j].mean())) < 0.1
    onehot = x[:, [i for i, n in enumerate(names) if n.startswith("plan=")]]
    assert set(np.unique(onehot.sum(axis=1))) <= {0.0, 1.0}


def test_unseen_categories_go_to_other() -> None:
    codes = encode_categories(np.asarray(["a", "z", "", "b"], dtype=object), ["a", "b"])
    assert codes.tolist() == [0, 2, 2, 1]


def test_gain_ratio_matches_hand_computation() -> None:
    # feature splits 8 rows into {0:[1,1,1,0]} and {1:[0,0,0,0]}
    x = np.asarray([0, 0, 0, 0, 1, 1, 1, 1])
    y = np.asarray([1, 1, 1, 0, 0, 0, 0, 0])
    h = -(3 / 8 * math.log2(3 / 8) + 5 / 8 * math.log2(5 / 8))
    h_cond = 0.5 * -(3 / 4 * math.log2(3 / 4) + 1 / 4 * math.log2(1 / 4))
    gain, split, ratio = gain_ratio(x, y)
    assert gain == pytest.approx(h - h_cond)
    assert split == pytest.approx(1.0)
    assert ratio == pytest.approx((h - h_cond) / 1.0)
    assert entropy(np.asarray([5, 5])) == pytest.approx(1.0)


def test_gain_ratio_penalises_many_valued_features() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 2000)
    informative = np.where(rng.random(2000) < 0.8, y, 1 - y)
    id_like = np.arange(2000)  # splits perfectly, but only by memorising
    ranking = rank_features({"informative": informative, "id_like": id_like, "noise": rng.integers(0, 3, 2000)}, y)
    assert ranking[0].feature == "informative"
    by = {r.feature: r for r in ranking}
    assert by["id_like"].gain > by["informative"].gain  # plain information gain would pick the ID


def test_threshold_gain_ratio_finds_the_cut_and_matches_a_brute_force() -> None:
    from runtime.audience.gainratio import threshold_gain_ratio

    rng = np.random.default_rng(7)
    x = rng.uniform(0, 100, 5000)
    y = np.where(x > 30, rng.random(5000) < 0.7, rng.random(5000) < 0.1).astype(int)
    gain, split, ratio, cut = threshold_gain_ratio(x, y)
    assert cut is not None and 27 < cut < 33
    # brute force at the returned cut (before the MDL correction) agrees
    left = x <= cut
    h = entropy(np.bincount(y))
    h_cond = left.mean() * entropy(np.bincount(y[left], minlength=2)) + (~left).mean() * entropy(np.bincount(y[~left], minlength=2))
    n_cuts = len(np.unique(np.quantile(x, np.linspace(0, 1, 65)[1:-1])))
    assert gain == pytest.approx(h - h_cond - math.log2(n_cuts) / 5000, abs=1e-9)
    assert split == pytest.approx(entropy(np.asarray([left.sum(), (~left).sum()])))
    assert ratio == pytest.approx(gain / split)
    # a number that says nothing about y gains (almost) nothing
    assert threshold_gain_ratio(rng.uniform(0, 1, 5000), y)[0] < 0.002
    ranking = rank_features({}, y, {"x": x, "noise": rng.normal(size=5000)})
    assert [r.feature for r in ranking] == ["x", "noise"] and ranking[0].threshold == cut
