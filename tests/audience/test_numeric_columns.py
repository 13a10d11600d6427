"""A column that must hold numbers and does not is a user error naming the data and the column
(numpy's ValueError named neither, and the CLI no longer shows a bare ValueError as a message)."""

from __future__ import annotations

import numpy as np
import pytest

from huashu.core.errors import UserError
from runtime.analytics.business import complete_business
from runtime.audience.train import join_target
from runtime.audience.uplift import outcome_column


def test_business_data_with_text_in_a_number_column() -> None:
    frame = {"customer_id": np.array([1, 2]), "balance": np.array(["12.5", "lots"], dtype=object),
             "recharge_amount": np.array([0.0, 1.0])}
    with pytest.raises(UserError, match=r"the business data: column 'balance' must hold numbers .*lots"):
        complete_business(frame, 7, lambda ids: np.zeros(len(ids), dtype=bool))


def test_outcomes_with_a_customer_id_that_is_not_a_number() -> None:
    frame = {"customer_id": np.array([1, 2])}
    outcomes = {"customer_id": np.array(["1", "C-2"], dtype=object), "recharged": np.array([1, 0])}
    with pytest.raises(UserError, match=r"the outcomes: column 'customer_id' must hold numbers .*C-2"):
        join_target(frame, outcomes, "recharged")
    with pytest.raises(UserError, match=r"the outcomes: column 'customer_id' must hold numbers"):
        outcome_column(frame, outcomes, "recharged")


def test_a_target_that_is_not_a_number() -> None:
    frame = {"customer_id": np.array([1, 2])}
    outcomes = {"customer_id": np.array([1, 2]), "recharged": np.array(["yes", "no"], dtype=object)}
    with pytest.raises(UserError, match=r"the outcomes: column 'recharged' must hold numbers .*yes"):
        join_target(frame, outcomes, "recharged")
