"""The campaign report over a simulated campaign: every section checked against numpy on the same records."""

from __future__ import annotations

import numpy as np
import pytest

from runtime.analytics.besttime import (
    best_slots,
    best_slots_for,
    learn_best_times,
    load_rates,
    save_rates,
    slot_rates,
)
from runtime.analytics.export import export_report
from runtime.analytics.report import build_report, slot_label
from runtime.analytics.simulate import CampaignSpec, simulate_campaign
from runtime.analytics.store import AnalyticsStore, StoreError
from runtime.audience.synth import SynthOptions, synth_customers

pytestmark = pytest.mark.offline


@pytest.fixture(scope="module")
def world():
    customers = synth_customers(30_000, SynthOptions(seed=21))
    calls, business = simulate_campaign(customers, CampaignSpec(7, seed=2))
    calls2, business2 = simulate_campaign(customers, CampaignSpec(8, seed=3, first_call_id=10_000_000))
    store = AnalyticsStore()
    store.add_calls(calls)
    store.add_business(business)
    store.add_calls(calls2)
    store.add_business(business2)
    yield customers, calls, business, store
    store.close()


def test_summary_outcomes_and_nodes(world) -> None:
    _, calls, _, store = world
    r = build_report(store, 7)
    s = r["summary"]
    assert s["attempts"] == len(calls["call_id"])
    assert s["connected"] == int(calls["answered"].sum())
    assert s["avg_talk_s"] == pytest.approx(calls["talk_s"][calls["answered"]].mean(), abs=0.05)
    assert s["customers"] == len(np.unique(calls["customer_id"]))
    assert sum(o["calls"] for o in r["outcomes"]) == s["attempts"]
    assert sum(n["calls"] for n in r["nodes"]) == s["connected"]
    funnel = [f["customers"] for f in r["funnel"]]
    assert funnel == sorted(funnel, reverse=True)


def test_half_hour_slots_and_visible_best(world) -> None:
    _, calls, _, store = world
    r = build_report(store, 7)
    local = calls["started_at"] + np.timedelta64(8, "h")
    minutes = (local - local.astype("datetime64[D]")).astype("timedelta64[m]").astype(int)
    slot = minutes // 30
    for row in r["slots"]:
        sel = slot == row["slot"]
        assert row["attempts"] == int(sel.sum())
        assert row["connected"] == int(calls["answered"][sel].sum())
        assert row["ci_low"] <= row["connect_rate"] <= row["ci_high"]
    best = r["best_slot"]
    assert best["label"] in ("12:00-12:30", "12:30-13:00", "18:30-19:00", "19:00-19:30")
    assert best["vs_other_slots"]["significant"]
    assert slot_label(0) == "00:00-00:30" and slot_label(47) == "23:30-24:00"


def test_outcome_table_like_the_papers(world) -> None:
    _, calls, business, store = world
    table = {row["class"]: row for row in build_report(store, 7)["outcome_table"]}
    called = np.unique(calls["customer_id"])
    connected = np.unique(calls["customer_id"][calls["answered"]])
    assert table["not_connected"]["customers"] + table["connected"]["customers"] == len(called)
    assert table["connected"]["customers"] == len(connected)
    assert table["no_intent"]["customers"] + table["general_or_better"]["customers"] == len(connected)
    amount = dict(zip(business["customer_id"].tolist(), business["recharge_amount"].tolist(), strict=True))
    conn_amounts = np.asarray([amount[c] for c in connected])
    assert table["connected"]["recharged"] == int((conn_amounts > 0).sum())
    assert table["connected"]["recharge_ge_100"] == int((conn_amounts >= 100).sum())
    assert table["connected"]["recharge_ge_200"] == int((conn_amounts >= 200).sum())
    # the paper's finding: the stronger the intent, the more customers recharge
    assert table["intent"]["recharged_share"] > table["general_or_better"]["recharged_share"] > table["no_intent"]["recharged_share"]


def test_distributions_and_control(world) -> None:
    _, _, business, store = world
    r = build_report(store, 7)
    bal = r["distributions"]["balance"]
    assert bal["effective"]["customers"] + bal["rest"]["customers"] == r["summary"]["customers"]
    assert sum(b["customers"] for b in bal["rest"]["bins"]) == bal["rest"]["customers"]
    c = r["control"]
    ctl = business["arm"] == "control"
    assert c["b"]["n"] == int(ctl.sum())
    assert c["recharge_rate"]["b"] == pytest.approx((business["recharge_amount"][ctl] > 0).mean(), abs=1e-6)
    treated_amounts = business["recharge_amount"][~ctl]
    assert c["mean_recharge"]["a"] == pytest.approx(treated_amounts.mean())
    from scipy import stats

    ctl_amounts = business["recharge_amount"][ctl]
    assert c["mean_recharge"]["p_value"] == pytest.approx(
        stats.ttest_ind(treated_amounts, ctl_amounts, equal_var=False).pvalue, rel=1e-4, abs=1e-9
    )
    rr = c["recharge_rate"]
    assert rr["ci_low"] < rr["difference"] < rr["ci_high"]


def test_across_campaigns_adds_up(world) -> None:
    _, _, _, store = world
    one, two, both = build_report(store, 7), build_report(store, 8), build_report(store, None)
    assert both["summary"]["attempts"] == one["summary"]["attempts"] + two["summary"]["attempts"]
    assert both["outcome_table"][0]["customers"] == one["outcome_table"][0]["customers"] + two["outcome_table"][0]["customers"]
    assert store.campaigns() == [7, 8]


def test_reloading_business_data_replaces_it(world) -> None:
    customers, _, business, _ = world
    calls, business = simulate_campaign(customers, CampaignSpec(9, seed=5))
    with AnalyticsStore() as st:
        st.add_calls(calls)
        st.add_business(business)
        st.add_business(business)
        assert st.count("business") == len(business["customer_id"])
        bad = dict(business)
        bad["arm"] = np.full(len(business["arm"]), "maybe", dtype=object)
        with pytest.raises(StoreError, match="arm must be"):
            st.add_business(bad)
        with pytest.raises(StoreError, match="lack the column"):
            st.add_calls({"call_id": np.arange(3)})


def test_best_time_per_segment(world, tmp_path) -> None:
    customers, _, _, store = world
    rates, summary = learn_best_times(store, customers, "chronotype")
    assert set(summary) == set(np.unique(customers["chronotype"]))
    assert summary["office_worker"][0] in ("12:00-12:30", "12:30-13:00", "11:30-12:00", "18:30-19:00")
    assert summary["retiree"][0] in ("09:30-10:00", "10:00-10:30", "10:30-11:00", "09:00-09:30", "16:00-16:30")
    # the window limits the choice; unknown segments fall back to the pooled rates
    assert all(18 <= s < 22 for s in best_slots(rates, "office_worker", k=2, allowed=set(range(18, 22))))
    assert len(best_slots(rates, "no such segment")) == 3
    saved = save_rates(rates, tmp_path / "bt.json", "chronotype")
    assert best_slots_for(saved, {"chronotype": "office_worker"}, k=1) == best_slots(rates, "office_worker", k=1)
    assert best_slots_for(saved, {}, k=2) == best_slots(rates, "", k=2)
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ValueError, match="not a best-time file"):
        load_rates(tmp_path / "bad.json")


def test_shrinkage_prefers_evidence() -> None:
    counts = {"s": np.zeros((48, 2), dtype=np.int64)}
    counts["s"][10] = (3, 3)  # 100% on 3 calls
    counts["s"][11] = (3000, 1500)  # 50% on 3,000 calls
    counts["s"][12] = (3000, 600)
    rates = slot_rates(counts)
    assert best_slots(rates, "s", k=1) == [11]


def test_export_xlsx_and_csv(world, tmp_path) -> None:
    from openpyxl import load_workbook

    _, _, _, store = world
    r = build_report(store, 7)
    [xlsx] = export_report(r, tmp_path / "r.xlsx")
    wb = load_workbook(xlsx)
    assert {"summary", "slots", "outcome_table", "control"} <= set(wb.sheetnames)
    assert wb["outcome_table"].max_row == 6
    csvs = export_report(r, tmp_path / "r.csv")
    assert (tmp_path / "r-slots.csv").read_text().count("\n") == len(r["slots"]) + 1
    assert len(csvs) >= 7


def test_demo_reproduces_the_papers_kinds_of_result(tmp_path) -> None:
    from runtime.analytics.demo import build_demo

    files = build_demo(tmp_path, customers=60_000)
    with AnalyticsStore(files.store, read_only=True) as st:
        r = build_report(st, files.campaign_id)
    assert r["best_slot"]["vs_other_slots"]["significant"]
    shares = [row["recharged_share"] for row in r["outcome_table"]]
    assert len(shares) == 5 and shares[4] > shares[3] > shares[2]
    rr = r["control"]["recharge_rate"]
    assert rr["ci_low"] < rr["difference"] < rr["ci_high"] and rr["difference"] > 0
    # loading the demo twice does not duplicate the calls
    build_demo(tmp_path, customers=60_000)
    with AnalyticsStore(files.store, read_only=True) as st:
        assert build_report(st, files.campaign_id)["summary"]["attempts"] == r["summary"]["attempts"]
