"""Uplift: who is moved by a call, not who would recharge anyway (two-model "T-learner").

One classifier learns P(recharge | features, called) on treated customers, another
P(recharge | features, not called) on the hold-out control group; the predicted uplift is
the difference. It is judged on the shared test split by the Qini coefficient and the
observed uplift in the top share, next to what a plain response model would have chosen,
so the gain from modelling the effect (not the response) is a number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from runtime.audience.frame import Frame
from runtime.audience.metrics import qini, uplift_at
from runtime.audience.prepare import Preparation, apply_preparation, fit_preparation
from runtime.audience.train import split_masks

__all__ = ["UpliftModel", "train_uplift", "score_uplift", "outcome_arrays"]

Progress = Callable[[str], None]


@dataclass
class UpliftModel:
    kind: str
    target: str
    prep: Preparation
    treated_model: Any
    control_model: Any
    metrics: dict[str, Any]
    split_seed: int
    feature_names: list[str]

    @property
    def standardise(self) -> bool:
        return False


def outcome_arrays(frame: Frame, outcomes: Frame, target: str) -> tuple[np.ndarray, np.ndarray]:
    """(y, treated) aligned with ``frame``; y = -1 where a customer has no outcome."""
    for col in ("customer_id", "treated", target):
        if col not in outcomes:
            raise ValueError(f"the outcomes have no column {col!r}")
    ids = np.asarray(outcomes["customer_id"], dtype=np.int64)
    order = np.argsort(ids, kind="mergesort")
    ids = ids[order]
    y = np.asarray(outcomes[target], dtype=float)[order]
    t = np.asarray(outcomes["treated"]).astype(bool)[order]
    want = np.asarray(frame["customer_id"], dtype=np.int64)
    pos = np.clip(np.searchsorted(ids, want), 0, len(ids) - 1)
    found = ids[pos] == want
    yy = np.where(found & ~np.isnan(y[pos]), y[pos] > 0, -1).astype(np.int8)
    return yy, np.where(found, t[pos], False)


def _fit(x: np.ndarray, y: np.ndarray, seed: int) -> HistGradientBoostingClassifier:
    # One OpenMP thread: on a busy two-core machine more threads spin-wait and run ~20x slower.
    with threadpool_limits(1):
        return HistGradientBoostingClassifier(
            max_iter=80, learning_rate=0.1, max_leaf_nodes=15, min_samples_leaf=200, random_state=seed
        ).fit(x, y)


def _predict(model: UpliftModel, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(P(recharge | called), P(recharge | not called))."""
    with threadpool_limits(1):
        return model.treated_model.predict_proba(x)[:, 1], model.control_model.predict_proba(x)[:, 1]


def train_uplift(
    frame: Frame,
    y_all: np.ndarray,
    treated_all: np.ndarray,
    target: str = "recharged",
    split_seed: int = 0,
    cut_share: float = 0.2,
    progress: Progress | None = None,
) -> UpliftModel:
    say = progress or (lambda _m: None)
    labelled = y_all >= 0
    if (labelled & treated_all).sum() < 100 or (labelled & ~treated_all).sum() < 100:
        raise ValueError("uplift needs at least 100 treated and 100 control customers with an outcome")
    part = split_masks(np.asarray(frame["customer_id"]), split_seed)
    say("preparing data")
    train_rows = np.flatnonzero(labelled & (part == 0))
    prep = fit_preparation({k: v[train_rows] for k, v in frame.items()})
    data = apply_preparation(frame, prep)
    x = data.matrix(prep)
    y, t, parts = y_all[data.rows], treated_all[data.rows], part[data.rows]
    keep = y >= 0
    tr = keep & (parts == 0)
    say("fitting the treated-group model")
    m1 = _fit(x[tr & t], y[tr & t], split_seed)
    say("fitting the control-group model")
    m0 = _fit(x[tr & ~t], y[tr & ~t], split_seed)
    te = keep & (parts == 2)
    with threadpool_limits(1):
        response = m1.predict_proba(x[te])[:, 1]
        up = response - m0.predict_proba(x[te])[:, 1]
    yt, tt = y[te], t[te]
    metrics = {
        "rows": {"train_treated": int((tr & t).sum()), "train_control": int((tr & ~t).sum()), "test": int(te.sum())},
        "overall_uplift": round(float(yt[tt].mean() - yt[~tt].mean()), 4) if tt.any() and (~tt).any() else 0.0,
        "cut_share": cut_share,
        "uplift_at_cut": round(uplift_at(yt, tt, up, cut_share), 4),
        "response_model_uplift_at_cut": round(uplift_at(yt, tt, response, cut_share), 4),
        "qini": qini(yt, tt, up),
        "response_model_qini": qini(yt, tt, response)["coefficient"],
    }
    return UpliftModel("uplift", target, prep, m1, m0, metrics, split_seed, prep.feature_names())


def score_uplift(model: UpliftModel, frame: Frame) -> tuple[np.ndarray, np.ndarray]:
    """(customer_id, predicted uplift) for every customer that survives preparation."""
    data = apply_preparation(frame, model.prep)
    p1, p0 = _predict(model, data.matrix(model.prep))
    return data.customer_id, p1 - p0
