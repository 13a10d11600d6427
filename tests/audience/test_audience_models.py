"""Models: they learn the synthetic ground truth, report honest hold-out metrics, explain themselves; uplift finds who is moved."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from runtime.audience.control import control_mask
from runtime.audience.explain import render_rule, tree_rules
from runtime.audience.metrics import auc, lift_at, precision_at, qini, uplift_at
from runtime.audience.synth import SynthOptions, synth_customers
from runtime.audience.train import join_target, score_frame, split_masks, train_model
from runtime.audience.truth import base_rate, outcomes_for_assignment, true_uplift
from runtime.audience.uplift import outcome_arrays, score_uplift, train_uplift

pytestmark = pytest.mark.offline


@pytest.fixture(scope="module")
def data() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    f = synth_customers(40_000, SynthOptions(seed=9))
    treated = ~control_mask(f["customer_id"], "test", 0.4)
    return f, outcomes_for_assignment(f, treated, seed=3)


def test_metrics_against_references() -> None:
    rng = np.random.default_rng(2)
    y = rng.random(3000) < 0.2
    s = rng.random(3000) + 0.3 * y
    assert auc(y, s) == pytest.approx(roc_auc_score(y, s))
    top = np.argsort(-s)[:300]
    assert precision_at(y, s, 0.1) == pytest.approx(y[top].mean())
    assert lift_at(y, s, 0.1) == pytest.approx(y[top].mean() / y.mean())


def test_split_is_stable_per_customer_and_seed() -> None:
    ids = np.arange(1, 50_001)
    a, b = split_masks(ids, 0), split_masks(ids[::-1], 0)[::-1]
    assert np.array_equal(a, b)  # order does not matter
    shares = np.bincount(a) / len(a)
    assert shares == pytest.approx([0.6, 0.2, 0.2], abs=0.01)
    assert not np.array_equal(a, split_masks(ids, 1))


@pytest.mark.parametrize("kind", ["tree", "logistic"])
def test_models_beat_random_and_track_the_truth(data, kind: str) -> None:
    f, o = data
    y = join_target(f, o, "recharged")
    m = train_model(f, y, kind, cut_share=0.2)
    test = m.metrics["test"]
    assert test["auc"] > 0.58
    assert test["lift_at_cut"] > 1.2
    assert sum(m.metrics["rows"].values()) == len(y)
    ids, s = score_frame(m, f)
    assert len(ids) == len(f["customer_id"])
    # the score should rank like the true probability of recharging (base + uplift for treated)
    truth = base_rate(f) + true_uplift(f)
    assert np.corrcoef(s, truth)[0, 1] > 0.5
    assert m.ranking[0].feature == "status"


def test_tree_rules_in_words(data) -> None:
    f, o = data
    m = train_model(f, join_target(f, o, "recharged"), "tree")
    rules = tree_rules(m.estimator, m.feature_names)
    assert sum(r.support for r in rules) == m.metrics["rows"]["train"]
    assert rules[0].rate >= rules[-1].rate
    en, zh = render_rule(rules[0], "recharged"), render_rule(rules[0], "recharged", "zh")
    short = train_model(f, join_target(f, o, "recharged"), "tree", max_depth=3)
    assert short.estimator.get_depth() <= 3
    assert all(len(r.conditions) <= 3 for r in tree_rules(short.estimator, short.feature_names))
    assert en.startswith("IF ") and " THEN recharged " in en
    assert zh.startswith("如果 ") and "充值概率" in zh


def test_missing_outcomes_are_not_used_for_training(data) -> None:
    f, o = data
    y = join_target(f, {k: v[:10_000] for k, v in o.items()}, "recharged")
    assert (y == -1).sum() == 30_000
    m = train_model(f, y, "logistic")
    assert sum(m.metrics["rows"].values()) == 10_000
    with pytest.raises(ValueError, match="no column"):
        join_target(f, o, "nope")


def test_uplift_model_finds_who_is_moved(data) -> None:
    # The idealised setup (40 % control, every treated customer gets the full effect); the realistic
    # one (10 % control, effect only where a call got through) is in test_audience_uplift.py.
    f, o = data
    y, t = outcome_arrays(f, o, "recharged")
    m = train_uplift(f, y, t)
    _, u = score_uplift(m, f)
    assert np.corrcoef(u, true_uplift(f))[0, 1] > 0.5
    assert m.metrics["uplift_at_cut"] > m.metrics["overall_uplift"]
    assert m.metrics["qini"]["coefficient"] > 0


def test_qini_and_uplift_at_k_reward_the_true_ranking() -> None:
    rng = np.random.default_rng(4)
    n = 20_000
    tau = np.where(rng.random(n) < 0.3, 0.3, 0.0)
    t = rng.random(n) < 0.5
    y = rng.random(n) < 0.1 + tau * t
    good, bad = qini(y, t, tau + rng.random(n) * 0.01), qini(y, t, -tau + rng.random(n) * 0.01)
    assert good["coefficient"] > 0 > bad["coefficient"]
    assert uplift_at(y, t, tau, 0.3) == pytest.approx(0.3, abs=0.05)


@pytest.mark.parametrize("kind", ["tree", "logistic", "uplift"])
def test_an_outcome_with_one_value_is_a_user_error_not_a_crash(kind: str) -> None:
    from huashu.core.errors import UserError

    f = synth_customers(2000, SynthOptions(seed=1))
    y = np.zeros(len(f["customer_id"]), dtype=np.int64)
    with pytest.raises(UserError, match="has the same 'recharged'"):
        if kind == "uplift":
            train_uplift(f, y, ~control_mask(f["customer_id"], "t", 0.5))
        else:
            train_model(f, y, kind)
