"""Feedback: labels from the analytics store after a campaign, retraining on them, versions on one hold-out."""

from __future__ import annotations

import numpy as np
import pytest

from runtime.analytics.simulate import CampaignSpec, customer_outcomes, simulate_campaign
from runtime.analytics.store import AnalyticsStore
from runtime.audience.feedback import compare_versions, labels_from_store
from runtime.audience.synth import SynthOptions, synth_customers
from runtime.audience.train import join_target, train_model

pytestmark = pytest.mark.offline


@pytest.fixture(scope="module")
def campaign():
    customers = synth_customers(20_000, SynthOptions(seed=31))
    calls, business = simulate_campaign(customers, CampaignSpec(3, seed=4))
    store = AnalyticsStore()
    store.add_calls(calls)
    store.add_business(business)
    yield customers, calls, business, store
    store.close()


def test_labels_from_the_store_match_the_simulation(campaign) -> None:
    customers, calls, business, store = campaign
    labels = labels_from_store(store, [3])
    expect = customer_outcomes(customers, calls, business)
    order = np.argsort(expect["customer_id"])
    assert np.array_equal(labels["customer_id"], expect["customer_id"][order])
    assert np.array_equal(labels["treated"], expect["treated"][order])
    t = labels["treated"]
    for col in ("connected", "effective", "intent"):
        assert np.array_equal(labels[col][t] > 0, expect[col][order][t]), col
        assert np.isnan(labels[col][~t]).all()
    assert np.array_equal(labels["recharged"] > 0, expect["recharged"][order] > 0)
    with pytest.raises(ValueError, match="no business data"):
        labels_from_store(store, [99])


def test_retrain_on_call_outcomes_and_compare_on_one_holdout(campaign) -> None:
    customers, _, _, store = campaign
    labels = labels_from_store(store, [3])
    v1 = train_model(customers, join_target(customers, labels, "connected"), "tree", "connected")
    v2 = train_model(customers, join_target(customers, labels, "connected"), "logistic", "connected")
    other = train_model(customers, join_target(customers, labels, "connected"), "logistic", "connected", split_seed=5)
    rows = compare_versions([(1, v1), (2, v2), (3, other)], customers, labels, "connected")
    assert rows[0]["test_customers"] == rows[1]["test_customers"] == rows[2]["test_customers"] > 0
    assert rows[0]["test_customers"] < 0.25 * int(labels["treated"].sum())  # called customers only
    assert [r["same_holdout"] for r in rows] == [True, True, False]
    # answering depends on answer_base, which the models can see: better than chance
    assert v1.metrics["test"]["auc"] > 0.6 and rows[1]["auc"] > 0.6
