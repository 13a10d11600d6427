"""The synthetic base: deterministic, valid phone numbers, documented shape, dirty where documented."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import numpy as np
import pytest

from runtime.audience.frame import read_frame, write_frame
from runtime.audience.propensity import CHRONOTYPES, answer_curve, answer_probability, profiles, slot_of
from runtime.audience.synth import MOBILE_PREFIXES, PLANS, SynthOptions, synth_customers
from runtime.audience.truth import base_rate, true_uplift

pytestmark = pytest.mark.offline


@pytest.fixture(scope="module")
def base() -> dict[str, np.ndarray]:
    return synth_customers(20_000, SynthOptions(seed=5))


def test_same_seed_same_base_other_seed_other_base(base: dict[str, np.ndarray]) -> None:
    again = synth_customers(20_000, SynthOptions(seed=5))
    for k in base:
        assert np.array_equal(base[k], again[k], equal_nan=base[k].dtype.kind == "f") or np.array_equal(
            base[k].astype(str), again[k].astype(str)
        ), k
    other = synth_customers(20_000, SynthOptions(seed=6))
    assert not np.array_equal(base["phone"], other["phone"])


def test_phone_numbers_are_valid_cn_mobiles(base: dict[str, np.ndarray]) -> None:
    pat = re.compile(r"^1[3-9]\d{9}$")
    prefixes = {str(p) for p in MOBILE_PREFIXES}
    for phone in base["phone"][:2000]:
        assert pat.match(phone) and phone[:3] in prefixes
    secondary = base["secondary_phone"]
    share = float((secondary != "").mean())
    assert 0.3 < share < 0.4
    assert all(pat.match(p) for p in secondary[secondary != ""][:500])


def test_distributions_are_plausible(base: dict[str, np.ndarray]) -> None:
    assert set(base["plan"]) <= set(PLANS)
    assert set(base["chronotype"]) == set(CHRONOTYPES)
    neg = base["balance"] < 0
    assert 0.05 < neg.mean() < 0.2
    # status follows balance: negative balance means (semi-)suspended
    assert set(base["status"][neg]) <= {"semi_suspended", "suspended"}
    assert (base["status"][~neg] == "active").all()
    assert np.isnat(base["last_recharge_at"][base["recharge_count_6m"] == 0]).all()


def test_dirty_values_at_the_documented_rates(base: dict[str, np.ndarray]) -> None:
    assert 0.005 < np.isnan(base["age"]).mean() < 0.02
    assert ((base["age"] > 110) | (base["age"] < 14)).sum() > 0
    clean = synth_customers(5000, SynthOptions(seed=5, dirty_rate=0.0, impossible_rate=0.0))
    assert not np.isnan(clean["age"]).any()


def test_parquet_and_csv_round_trip(tmp_path, base: dict[str, np.ndarray]) -> None:
    small = {k: v[:300] for k, v in base.items()}
    for name in ("c.parquet", "c.csv"):
        back = read_frame(write_frame(small, tmp_path / name))
        assert list(back) == list(small)
        assert back["phone"].tolist() == small["phone"].tolist()
        assert back["secondary_phone"].tolist() == small["secondary_phone"].tolist()
        assert np.allclose(back["balance"], small["balance"])
        assert np.array_equal(np.isnat(back["last_recharge_at"]), np.isnat(small["last_recharge_at"]))


def test_answer_propensity_is_a_day_curve() -> None:
    p = profiles()
    assert p.shape == (len(CHRONOTYPES), 48)
    office = answer_curve("office_worker", 0.5)
    assert max(office) <= 0.5
    assert office.index(max(office)) in (24, 25)  # lunch 12:00-13:00
    assert office[6] < 0.02  # 03:00 at night
    assert slot_of(datetime(2026, 7, 1, 4, 10, tzinfo=UTC)) == 24  # 12:10 Beijing
    assert answer_probability("office_worker", 0.5, datetime(2026, 7, 1, 4, 10)) == office[24]


def test_ground_truth_has_heterogeneous_uplift(base: dict[str, np.ndarray]) -> None:
    tau = true_uplift(base)
    semi = base["status"] == "semi_suspended"
    assert tau[semi].mean() > 3 * tau[base["status"] == "active"].mean()
    assert (tau < 0).any()  # frequent complainers are annoyed by a call
    b = base_rate(base)
    assert ((b > 0) & (b < 1)).all()


def test_text_customer_ids_are_keyed_and_missing_ones_dropped(tmp_path) -> None:
    from runtime.analytics.records import customer_key
    from runtime.audience.prepare import apply_preparation, fit_preparation

    path = tmp_path / "crm.csv"
    path.write_text("customer_id,phone,arpu\nC-001,13800000001,50\n,13800000002,60\nC-003,13800000003,70\n")
    f = read_frame(path)
    assert f["customer_id"].dtype == np.int64
    assert f["customer_id"].tolist() == [customer_key("C-001"), -1, customer_key("C-003")]
    prep = fit_preparation(f)
    data = apply_preparation(f, prep)
    assert data.report.dropped == {"customer_id missing": 1} and data.report.rows_out == 2
