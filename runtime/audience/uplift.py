"""Uplift: who is moved by a call, not who would recharge anyway.

Two estimators of the uplift P(recharge | called, x) - P(recharge | not called, x):

- ``s_logit`` (the default): one logistic regression over the standardised features, the
  treatment flag and treatment x feature interactions, strongly regularised (C = 0.003). One
  model shares what called and control customers have in common, so the small control group
  only has to pin down the interactions.
- ``t_gbm``: a T-learner, two gradient-boosted classifiers (called / control customers) with
  few, large leaves (at least a fifth of the control group's training rows each), so the two
  models do not fit different noise.

The split is stratified by arm and outcome (60 / 20 / 20 train / validation / test; within each
stratum customers are ordered by a hash of their id and the split seed). The default is kept
unless another estimator's validation Qini is higher with a 95 % bootstrap interval of the
difference above 0; the chosen one is refitted on train + validation and judged once on the test
part, next to a plain response model, with intervals (:mod:`runtime.audience.uplifteval`).
On the synthetic base, ``truth`` (the known per-customer uplift) adds how much true uplift the
model's top share really has; that figure exists only for synthetic data.
Measurements behind these choices: docs/audience-analytics.md, "Uplift".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from huashu.core.errors import UserError
from runtime.audience.control import hash_unit
from runtime.audience.frame import Frame, numeric
from runtime.audience.metrics import qini, uplift_at
from runtime.audience.prepare import Preparation, apply_preparation, fit_preparation
from runtime.audience.uplifteval import evaluate_uplift, qini_rounds

__all__ = [
    "ESTIMATORS",
    "DEFAULT_ESTIMATOR",
    "UpliftModel",
    "train_uplift",
    "score_uplift",
    "outcome_arrays",
    "outcome_column",
    "stratified_split",
]

Progress = Callable[[str], None]
ESTIMATORS: tuple[str, ...] = ("s_logit", "t_gbm")
DEFAULT_ESTIMATOR = "s_logit"
_LOGIT_C = 0.003
_SHARES = (0.6, 0.2)
_ROUNDS = 200  # bootstrap rounds for validation and test intervals


@dataclass
class UpliftModel:
    kind: str
    target: str
    prep: Preparation
    treated_model: Any  # t_gbm: P(y | called); s_logit: the one logistic regression
    control_model: Any  # t_gbm: P(y | control); s_logit: None
    metrics: dict[str, Any]
    split_seed: int
    feature_names: list[str]
    estimator: str = "t_gbm"  # versions saved before estimators were named were T-learners

    @property
    def standardise(self) -> bool:
        return self.estimator == "s_logit"


def outcome_column(frame: Frame, outcomes: Frame, column: str) -> np.ndarray:
    """``outcomes[column]`` aligned with ``frame`` by customer id, as floats; NaN where missing."""
    if column not in outcomes or "customer_id" not in outcomes:
        raise UserError(f"the outcomes have no column {column!r}")
    ids = numeric(outcomes, "customer_id", np.int64, what="the outcomes")
    order = np.argsort(ids, kind="mergesort")
    ids = ids[order]
    vals = numeric(outcomes, column, what="the outcomes")[order]
    want = numeric(frame, "customer_id", np.int64, what="the customer data")
    if len(ids) == 0:
        return np.full(len(want), np.nan)
    pos = np.clip(np.searchsorted(ids, want), 0, len(ids) - 1)
    return np.where(ids[pos] == want, vals[pos], np.nan)


def outcome_arrays(frame: Frame, outcomes: Frame, target: str) -> tuple[np.ndarray, np.ndarray]:
    """(y, treated) aligned with ``frame``; y = -1 where a customer has no outcome."""
    for col in ("customer_id", "treated", target):
        if col not in outcomes:
            raise UserError(f"the outcomes have no column {col!r}")
    y = outcome_column(frame, outcomes, target)
    t = outcome_column(frame, outcomes, "treated")
    yy = np.where(np.isnan(y), -1, y > 0).astype(np.int8)
    return yy, np.nan_to_num(t) > 0


def stratified_split(
    customer_ids: np.ndarray, treated: np.ndarray, y: np.ndarray, seed: int, shares: tuple[float, float] = _SHARES
) -> np.ndarray:
    """0 = train, 1 = validation, 2 = test, -1 = no outcome; the same shares in every (arm, outcome).

    Within a stratum customers are ordered by a hash of their id and ``seed`` and cut at the
    shares, so the split is reproducible from the same outcomes and close to a plain hash split.
    """
    ids = np.asarray(customer_ids)
    u = hash_unit(ids, f"uplift-split-{seed}")
    part = np.full(len(ids), -1, dtype=np.int8)
    t = np.asarray(treated, dtype=bool)
    for arm in (False, True):
        for outcome in (0, 1):
            rows = np.flatnonzero((t == arm) & (y == outcome))
            if len(rows) == 0:
                continue
            ranked = rows[np.argsort(u[rows], kind="mergesort")]
            pos = (np.arange(len(ranked)) + 0.5) / len(ranked)
            part[ranked] = np.where(pos < shares[0], 0, np.where(pos < shares[0] + shares[1], 1, 2))
    return part


def _gbm(x: np.ndarray, y: np.ndarray, leaf: int, seed: int, leaves: int = 7, rounds: int = 40) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier
    # One OpenMP thread: on a busy two-core machine more threads spin-wait and run ~20x slower.
    with threadpool_limits(1):
        return HistGradientBoostingClassifier(
            max_iter=rounds, learning_rate=0.1, max_leaf_nodes=leaves, min_samples_leaf=leaf, random_state=seed
        ).fit(x, y)


def _response_model(x: np.ndarray, y: np.ndarray, seed: int) -> Any:
    """The plain response model (who recharges when called), for comparison: as before uplift existed."""
    return _gbm(x, y, leaf=200, seed=seed, leaves=15, rounds=80)


def _interactions(xs: np.ndarray, t: np.ndarray) -> np.ndarray:
    tf = t.astype(np.float32)[:, None]
    return np.hstack([xs, tf, xs * tf])


def _fit(estimator: str, x: np.ndarray, xs: np.ndarray, y: np.ndarray, t: np.ndarray, seed: int) -> tuple[Any, Any]:
    from sklearn.linear_model import LogisticRegression
    if estimator == "s_logit":
        with threadpool_limits(1):
            return LogisticRegression(C=_LOGIT_C, max_iter=1000).fit(_interactions(xs, t), y), None
    if estimator == "t_gbm":
        leaf = max(50, int((~t).sum()) // 5)
        return _gbm(x[t], y[t], leaf, seed), _gbm(x[~t], y[~t], leaf, seed)
    raise UserError(f"unknown uplift estimator {estimator!r} (choose {', '.join(ESTIMATORS)})")


def _proba(estimator: str, m1: Any, m0: Any, x: np.ndarray, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(P(recharge | called), P(recharge | not called))."""
    with threadpool_limits(1):
        if estimator == "s_logit":
            n = len(xs)
            return (m1.predict_proba(_interactions(xs, np.ones(n, dtype=bool)))[:, 1],
                    m1.predict_proba(_interactions(xs, np.zeros(n, dtype=bool)))[:, 1])
        return m1.predict_proba(x)[:, 1], m0.predict_proba(x)[:, 1]


def _qini_coefficient(y: np.ndarray, t: np.ndarray, score: np.ndarray) -> float:
    return float(qini(y, t, score)["coefficient"])  # type: ignore[arg-type]


def _select(
    x: np.ndarray, xs: np.ndarray, y: np.ndarray, t: np.ndarray, tr: np.ndarray, va: np.ndarray, seed: int,
    say: Progress,
) -> dict[str, Any]:
    """Fit every estimator on train, score validation; keep the default unless another is clearly better."""
    scores: dict[str, np.ndarray] = {}
    for est in ESTIMATORS:
        say(f"fitting {est} on the training part")
        m1, m0 = _fit(est, x[tr], xs[tr], y[tr], t[tr], seed)
        p1, p0 = _proba(est, m1, m0, x[va], xs[va])
        scores[est] = p1 - p0
    boot = qini_rounds(y[va], t[va], scores, _ROUNDS, seed)
    base = boot[DEFAULT_ESTIMATOR]
    rows, chosen, best = [], DEFAULT_ESTIMATOR, 0.0
    for est, s in scores.items():
        q = _qini_coefficient(y[va], t[va], s)
        diff = boot[est] - base
        lo, hi = (float(v) for v in np.quantile(diff, [0.025, 0.975]))
        point = q - _qini_coefficient(y[va], t[va], scores[DEFAULT_ESTIMATOR])
        rows.append({"estimator": est, "validation_qini": q,
                     "vs_default": {"estimate": round(point, 6), "low": round(lo, 6), "high": round(hi, 6)}})
        if est != DEFAULT_ESTIMATOR and lo > 0 and point > best:
            chosen, best = est, point
    return {
        "default": DEFAULT_ESTIMATOR,
        "rule": "keep the default unless another estimator's validation Qini is higher with the 95 % bootstrap "
                "interval of the difference above 0",
        "candidates": rows,
        "chosen": chosen,
        "validation": {"treated": int(t[va].sum()), "control": int((~t[va]).sum())},
    }


def _truth_metrics(
    tau: np.ndarray, delivered: np.ndarray | None, t: np.ndarray, up: np.ndarray, response: np.ndarray,
    cut: float, evaluation: dict[str, Any],
) -> dict[str, Any]:
    """Ground truth of the synthetic base on the test part: only synthetic data has it."""

    def top(s: np.ndarray) -> np.ndarray:
        k = max(1, int(round(len(s) * cut)))
        m = np.zeros(len(s), dtype=bool)
        m[np.argsort(-s, kind="mergesort")[:k]] = True
        return m

    mt, rt, best = top(up), top(response), top(tau)
    everyone = float(tau.mean())
    out: dict[str, Any] = {
        "note": "ground truth of the synthetic base (runtime/audience/truth.py); a real customer base has none",
        "true_uplift_of_an_effective_call": {
            "model_top": round(float(tau[mt].mean()), 5),
            "response_model_top": round(float(tau[rt].mean()), 5),
            "everyone": round(everyone, 5),
            "best_possible_top": round(float(tau[best].mean()), 5),
        },
        "lift_at_cut": round(float(tau[mt].mean()) / everyone, 3) if everyone > 0 else None,
        "response_model_lift_at_cut": round(float(tau[rt].mean()) / everyone, 3) if everyone > 0 else None,
        "correlation": round(float(np.corrcoef(up, tau)[0, 1]), 4) if tau.std() > 0 and up.std() > 0 else None,
    }
    if delivered is not None:
        itt = tau * delivered
        # What a call to these customers really added (their true uplift x the share of it their calls
        # delivered), over the called customers: the quantity the observed uplift estimates.
        m = evaluation["model"]
        truth = {
            "model_top": float(itt[mt & t].mean()),
            "model_rest": float(itt[~mt & t].mean()),
            "everyone": float(itt[t].mean()),
            "response_model_top": float(itt[rt & t].mean()),
        }
        truth["model_gain"] = truth["model_top"] - truth["model_rest"]

        def inside(v: float, g: dict[str, Any]) -> bool | None:
            return None if g["low"] is None else bool(g["low"] <= v <= g["high"])

        out["true_campaign_uplift"] = {k: round(v, 5) for k, v in truth.items()}
        out["inside_interval"] = {
            "model_top": inside(truth["model_top"], m["top"]),
            "model_gain": inside(truth["model_gain"], m["gain"]),
            "everyone": inside(truth["everyone"], evaluation["everyone"]),
        }
    return out


def train_uplift(
    frame: Frame,
    y_all: np.ndarray,
    treated_all: np.ndarray,
    target: str = "recharged",
    split_seed: int = 0,
    cut_share: float = 0.2,
    progress: Progress | None = None,
    estimator: str = "auto",
    truth: np.ndarray | None = None,
    delivered: np.ndarray | None = None,
    rounds: int = _ROUNDS,
) -> UpliftModel:
    """Split (stratified), pick the estimator on validation, refit on train + validation, judge on test.

    ``truth`` (per row of ``frame``: the true uplift of an effective call) and ``delivered`` (the
    share of it each called customer's calls delivered) exist only for the synthetic base.
    """
    say = progress or (lambda _m: None)
    if estimator != "auto" and estimator not in ESTIMATORS:
        raise UserError(f"unknown uplift estimator {estimator!r} (choose auto, {', '.join(ESTIMATORS)})")
    labelled = y_all >= 0
    if (labelled & treated_all).sum() < 100 or (labelled & ~treated_all).sum() < 100:
        raise UserError("uplift needs at least 100 treated and 100 control customers with an outcome")
    if np.unique(y_all[labelled]).size < 2:
        raise UserError(f"every customer with an outcome has the same {target!r}; a model needs customers with "
                        "and without it")
    part = stratified_split(np.asarray(frame["customer_id"]), treated_all, y_all, split_seed)
    say("preparing data")
    train_rows = np.flatnonzero(part == 0)
    prep = fit_preparation({k: v[train_rows] for k, v in frame.items()})
    data = apply_preparation(frame, prep)
    x = data.matrix(prep)
    xs = data.matrix(prep, standardise=True)
    y, t, parts = y_all[data.rows], treated_all[data.rows], part[data.rows]
    tr, va, te = parts == 0, parts == 1, parts == 2
    if estimator == "auto":
        selection = _select(x, xs, y, t, tr, va, split_seed, say)
        chosen = selection["chosen"]
    else:
        chosen = estimator
        selection = {"default": DEFAULT_ESTIMATOR, "rule": "given by the user", "candidates": [], "chosen": chosen}
    fit = tr | va
    say(f"fitting {chosen} on train + validation")
    m1, m0 = _fit(chosen, x[fit], xs[fit], y[fit], t[fit], split_seed)
    say("fitting the plain response model for comparison")
    resp = _response_model(x[fit & t], y[fit & t], split_seed)
    p1, p0 = _proba(chosen, m1, m0, x[te], xs[te])
    up = p1 - p0
    with threadpool_limits(1):
        response = resp.predict_proba(x[te])[:, 1]
    yt, tt = y[te], t[te]
    say("bootstrapping the test figures")
    ev = evaluate_uplift(yt, tt, up, response, cut_share, labelled=int((y >= 0).sum()), seed=split_seed,
                         rounds=rounds)
    metrics: dict[str, Any] = {
        "estimator": chosen,
        "split": "stratified by arm and outcome, 60/20/20; final model refitted on train + validation",
        "rows": {
            "train_treated": int((tr & t).sum()), "train_control": int((tr & ~t).sum()),
            "validation_treated": int((va & t).sum()), "validation_control": int((va & ~t).sum()),
            "test_treated": int(tt.sum()), "test_control": int((~tt).sum()), "test": int(te.sum()),
        },
        "overall_uplift": ev["everyone"]["estimate"] or 0.0,
        "cut_share": cut_share,
        "uplift_at_cut": round(uplift_at(yt, tt, up, cut_share), 4),
        "response_model_uplift_at_cut": round(uplift_at(yt, tt, response, cut_share), 4),
        "qini": qini(yt, tt, up),
        "response_model_qini": qini(yt, tt, response)["coefficient"],
        "selection": selection,
        "evaluation": ev,
    }
    if truth is not None:
        tau = np.asarray(truth, dtype=float)[data.rows][te]
        dl = None if delivered is None else np.asarray(delivered, dtype=float)[data.rows][te]
        metrics["synthetic_truth"] = _truth_metrics(tau, dl, tt, up, response, cut_share, ev)
    model = UpliftModel("uplift", target, prep, m1, m0, metrics, split_seed, prep.feature_names(), chosen)
    return model


def score_uplift(model: UpliftModel, frame: Frame) -> tuple[np.ndarray, np.ndarray]:
    """(customer_id, predicted uplift) for every customer that survives preparation."""
    data = apply_preparation(frame, model.prep)
    est = getattr(model, "estimator", "t_gbm")
    x = data.matrix(model.prep)
    xs = data.matrix(model.prep, standardise=True) if est == "s_logit" else x
    p1, p0 = _proba(est, model.treated_model, model.control_model, x, xs)
    return data.customer_id, p1 - p0
