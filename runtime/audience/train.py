"""Targeting models: decision tree and logistic regression with a train / validation / test split.

The split is by a hash of the customer id and the split seed, so every model version
trained on the same customers is judged on the same test (hold-out) customers and versions
compare fairly. The validation part picks the tree depth or the regularisation; the test
part is touched once, for the reported metrics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from huashu.core.errors import UserError
from runtime.audience.control import control_mask
from runtime.audience.frame import Frame, frame_len, numeric
from runtime.audience.gainratio import FeatureScore, rank_features
from runtime.audience.metrics import cut_metrics
from runtime.audience.prepare import Preparation, Prepared, apply_preparation, fit_preparation

__all__ = ["KINDS", "Trained", "split_masks", "join_target", "train_model", "score_frame", "select_columns", "score_prepared"]

KINDS: tuple[str, ...] = ("tree", "logistic")
_TREE_DEPTHS = (3, 5, 7)
_LOGISTIC_C = (0.1, 1.0)
_MIN_FEATURES = 6
Progress = Callable[[str], None]


@dataclass
class Trained:
    """A fitted model with everything needed to score new customers and explain itself."""

    kind: str
    target: str
    estimator: Any
    prep: Preparation
    columns: list[int]  # indices into prep.feature_names()
    feature_names: list[str]
    selected: list[str]  # source columns kept by gain-ratio selection
    ranking: list[FeatureScore]
    metrics: dict[str, Any]
    split_seed: int
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def standardise(self) -> bool:
        return self.kind == "logistic"


def split_masks(customer_ids: np.ndarray, seed: int, shares: tuple[float, float] = (0.6, 0.2)) -> np.ndarray:
    """0 = train, 1 = validation, 2 = test, stable per customer id and seed."""
    u = np.zeros(len(customer_ids))
    # Reuse the control hash with a split-specific salt: uniform, stable and cheap.
    train = control_mask(customer_ids, f"split-{seed}-a", shares[0])
    val_or_test = ~train
    val = control_mask(customer_ids, f"split-{seed}-b", shares[1] / (1.0 - shares[0])) & val_or_test
    u[val] = 1
    u[val_or_test & ~val] = 2
    return u.astype(np.int8)


def join_target(frame: Frame, outcomes: Frame, target: str) -> np.ndarray:
    """The target per customer of ``frame``, looked up by customer id; customers without an outcome get -1."""
    if target not in outcomes:
        raise UserError(f"the outcomes have no column {target!r} (have: {', '.join(sorted(outcomes))})")
    if "customer_id" not in outcomes:
        raise UserError("the outcomes have no customer_id column")
    ids = numeric(outcomes, "customer_id", np.int64, what="the outcomes")
    vals = np.asarray(outcomes[target])
    if vals.dtype.kind == "f":
        vals = np.where(np.isnan(vals), -1, vals > 0)
    vals = numeric({target: vals}, target, np.int8, what="the outcomes")
    order = np.argsort(ids, kind="mergesort")
    ids, vals = ids[order], vals[order]
    want = numeric(frame, "customer_id", np.int64, what="the customer data")
    pos = np.clip(np.searchsorted(ids, want), 0, max(len(ids) - 1, 0))
    found = (ids[pos] == want) if len(ids) else np.zeros(len(want), dtype=bool)
    return np.where(found, vals[pos] if len(ids) else 0, -1).astype(np.int8)


def select_columns(prep: Preparation, selected: list[str]) -> tuple[list[int], list[str]]:
    names = prep.feature_names()
    keep = set(selected)
    cols = [i for i, n in enumerate(names) if n.split("=", 1)[0] in keep]
    return cols, [names[i] for i in cols]


def _fit(kind: str, x: np.ndarray, y: np.ndarray, param: float, seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier
    if kind == "tree":
        leaf = max(50, len(y) // 500)
        return DecisionTreeClassifier(max_depth=int(param), min_samples_leaf=leaf, random_state=seed).fit(x, y)
    return LogisticRegression(C=param, max_iter=300).fit(x, y)


def train_model(
    frame: Frame,
    y_all: np.ndarray,
    kind: str = "tree",
    target: str = "recharged",
    split_seed: int = 0,
    cut_share: float = 0.2,
    max_features: int | None = None,
    progress: Progress | None = None,
    max_depth: int | None = None,
) -> Trained:
    """Prepare, select features by gain ratio, fit on train, pick on validation, report on test.

    ``max_depth`` caps the tree so its rules stay short enough for business users to read.
    """
    if kind not in KINDS:
        raise UserError(f"unknown model kind {kind!r} (choose {', '.join(KINDS)})")
    if len(y_all) != frame_len(frame):
        raise ValueError("the target must have one value per customer")
    say = progress or (lambda _msg: None)
    labelled = y_all >= 0
    if labelled.sum() < 100:
        raise UserError(f"only {int(labelled.sum())} customers have an outcome; at least 100 are needed")
    if np.unique(y_all[labelled]).size < 2:
        raise UserError(f"every customer with an outcome has the same {target!r}; a model needs customers with "
                        "and without it")
    part = split_masks(np.asarray(frame["customer_id"]), split_seed)
    say("preparing data")
    train_rows = np.flatnonzero(labelled & (part == 0))
    prep = fit_preparation({k: v[train_rows] for k, v in frame.items()})
    data = apply_preparation(frame, prep)
    y = y_all[data.rows]
    keep = y >= 0
    parts = part[data.rows]
    say("ranking features by gain ratio")
    tr = keep & (parts == 0)
    ranking = rank_features(
        {k: v[tr] for k, v in data.codes.items()}, y[tr], {k: v[tr] for k, v in data.numeric.items()}
    )
    # C4.5 keeps features with at least average gain; keep a few more when that is too strict.
    chosen = [f.feature for f in ranking if f.eligible]
    if len(chosen) < _MIN_FEATURES:
        chosen = [f.feature for f in ranking][:_MIN_FEATURES]
    if max_features:
        chosen = [f.feature for f in ranking][:max_features]
    selected = chosen
    cols, names = select_columns(prep, chosen)
    x = data.matrix(prep, standardise=(kind == "logistic"))[:, cols]
    va, te = keep & (parts == 1), keep & (parts == 2)
    best: tuple[float, Any, float] | None = None
    depths = [d for d in _TREE_DEPTHS if max_depth is None or d <= max_depth] or [max(1, max_depth or 1)]
    for param in depths if kind == "tree" else _LOGISTIC_C:
        say(f"fitting {kind} ({'depth' if kind == 'tree' else 'C'}={param})")
        est = _fit(kind, x[tr], y[tr], param, split_seed)
        val_auc = cut_metrics(y[va], est.predict_proba(x[va])[:, 1], cut_share)["auc"]
        if best is None or val_auc > best[0]:
            best = (val_auc, est, param)
    assert best is not None
    val_auc, est, param = best
    test_scores = est.predict_proba(x[te])[:, 1]
    metrics = {
        "validation_auc": val_auc,
        "param": param,
        "rows": {"train": int(tr.sum()), "validation": int(va.sum()), "test": int(te.sum())},
        "test": cut_metrics(y[te], test_scores, cut_share),
    }
    return Trained(
        kind=kind,
        target=target,
        estimator=est,
        prep=prep,
        columns=cols,
        feature_names=names,
        selected=selected,
        ranking=ranking,
        metrics=metrics,
        split_seed=split_seed,
        report=data.report.as_dict(),
    )


def score_prepared(model: Trained, data: Prepared) -> np.ndarray:
    x = data.matrix(model.prep, standardise=model.standardise)[:, model.columns]
    return np.asarray(model.estimator.predict_proba(x)[:, 1], dtype=float)


def score_frame(model: Trained, frame: Frame) -> tuple[np.ndarray, np.ndarray]:
    """(customer_id, score) for every customer that survives preparation."""
    data = apply_preparation(frame, model.prep)
    return data.customer_id, score_prepared(model, data)
