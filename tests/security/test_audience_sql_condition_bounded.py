"""An audience's SQL condition is an operator's text: it may read only the customer list, and
a condition that would run for hours is stopped with a clear message."""

from __future__ import annotations

import time

import numpy as np
import pytest

from runtime.audience.rules import RuleError, evaluate_sql


def _frame() -> dict[str, np.ndarray]:
    return {"customer_id": np.arange(1, 6, dtype=np.int64), "balance": np.array([1.0, 5.0, 20.0, 0.0, 3.0])}


def test_a_plain_condition_still_selects() -> None:
    mask = evaluate_sql("balance > 2", _frame())
    assert mask.tolist() == [False, True, True, False, True]


def test_a_condition_that_would_run_for_hours_is_stopped() -> None:
    started = time.monotonic()
    with pytest.raises(RuleError, match="longer than 0.5 s"):
        evaluate_sql("(SELECT count(*) FROM range(1000000000000) a) > 0", _frame(), timeout_s=0.5)
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    "condition",
    ["customer_id IN (SELECT 1 FROM read_csv('/etc/passwd'))", "length(getenv('HOME')) > 0"],
)
def test_files_and_the_environment_are_out_of_reach(condition: str) -> None:
    with pytest.raises(RuleError):
        evaluate_sql(condition, _frame())
