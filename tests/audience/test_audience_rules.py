"""Rule audiences: validation that says where, vectorised evaluation, SQL that can only read customers."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from runtime.audience.rules import RuleError, evaluate_sql, rule_mask, validate_rule
from runtime.audience.schedule import is_due
from runtime.audience.synth import REFERENCE_TIME, SynthOptions, synth_customers

pytestmark = pytest.mark.offline


@pytest.fixture(scope="module")
def base() -> dict[str, np.ndarray]:
    return synth_customers(5000, SynthOptions(seed=2))


def test_visual_rule_matches_numpy(base) -> None:
    rule = {"all": [
        {"field": "status", "op": "in", "value": ["semi_suspended", "suspended"]},
        {"any": [{"field": "arpu", "op": ">=", "value": 80}, {"field": "complaints_12m", "op": "==", "value": 0}]},
    ]}
    m = rule_mask(rule, base, REFERENCE_TIME)
    expect = np.isin(base["status"], ["semi_suspended", "suspended"]) & (
        (base["arpu"] >= 80) | (base["complaints_12m"] == 0)
    )
    assert m.sum() > 0 and np.array_equal(m, expect)


def test_days_fields_come_from_timestamps(base) -> None:
    m = rule_mask({"field": "last_recharge_days", "op": ">", "value": 60}, base, REFERENCE_TIME)
    days = (REFERENCE_TIME - base["last_recharge_at"]).astype("timedelta64[s]").astype(float) / 86400
    assert np.array_equal(m, days > 60)
    assert not m[np.isnat(base["last_recharge_at"])].any()  # never recharged is unknown, not "long ago"


def test_errors_name_the_place(base) -> None:
    errs = validate_rule({"all": [{"field": "x", "op": ">", "value": 1}, {"any": [{"field": "age", "op": "~"}]}]},
                         set(base))
    assert errs == ["rule.all[0]: unknown field 'x'",
                    "rule.all[1].any[0]: unknown operator '~' (use one of ==, !=, >, >=, <, <=, in, not_in, "
                    "between, is_null, not_null, contains)"]
    with pytest.raises(RuleError, match=r"rule.all\[0\]"):
        rule_mask({"all": [{"field": "arpu", "op": ">", "value": "abc"}]}, base, REFERENCE_TIME)


def test_sql_rule_agrees_and_cannot_touch_files(base) -> None:
    m = evaluate_sql("status = 'suspended' AND balance < -40", base)
    assert np.array_equal(m, (base["status"] == "suspended") & (base["balance"] < -40))
    with pytest.raises(RuleError):
        evaluate_sql("customer_id IN (SELECT 1 FROM read_csv('/etc/passwd'))", base)
    with pytest.raises(RuleError, match="no ';'"):
        evaluate_sql("true; DROP TABLE customers", base)


def test_cron_schedule() -> None:
    last = datetime(2026, 7, 1, 6, 0, tzinfo=UTC)
    assert not is_due("0 6 * * *", last, datetime(2026, 7, 2, 5, 59, tzinfo=UTC))
    assert is_due("0 6 * * *", last, datetime(2026, 7, 2, 6, 0, tzinfo=UTC))
    assert not is_due(None, last, datetime(2030, 1, 1, tzinfo=UTC))


def test_rule_from_form_rows(base, tmp_path) -> None:
    from runtime.audience.frame import frame_columns, write_frame
    from runtime.audience.rules import rule_from_rows

    rule = rule_from_rows("all", [("status", "in", "semi_suspended, suspended"), ("", "==", ""),
                                  ("arpu", ">=", "80"), ("secondary_phone", "not_null", "")])
    assert rule == {"all": [{"field": "status", "op": "in", "value": ["semi_suspended", "suspended"]},
                            {"field": "arpu", "op": ">=", "value": "80"},
                            {"field": "secondary_phone", "op": "not_null"}]}
    m = rule_mask(rule, base, REFERENCE_TIME)
    assert np.array_equal(m, np.isin(base["status"], ["semi_suspended", "suspended"]) & (base["arpu"] >= 80)
                          & (base["secondary_phone"] != ""))
    with pytest.raises(RuleError, match="no condition"):
        rule_from_rows("any", [("", "", "")])
    with pytest.raises(RuleError, match="row 1"):
        rule_from_rows("any", [("age", ">", "")])
    small = {k: v[:10] for k, v in base.items()}
    assert frame_columns(write_frame(small, tmp_path / "c.parquet")) == list(small)
    assert frame_columns(write_frame(small, tmp_path / "c.csv")) == list(small)
