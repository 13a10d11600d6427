"""Feedback: labels from what the calls did, and model versions compared on the same hold-out.

After a campaign, the analytics store knows per customer whether they were connected, had
an intent and recharged (business data). Those become the next training labels, and every
model version is scored on the same test customers (the hash split of a shared seed) so
"version 3 is better than version 2" is a like-for-like statement.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from huashu.core.errors import UserError
from runtime.analytics.store import AnalyticsStore
from runtime.audience.frame import Frame
from runtime.audience.metrics import cut_metrics, qini
from runtime.audience.train import join_target, split_masks

__all__ = ["labels_from_store", "compare_versions", "LABELS"]

LABELS: tuple[str, ...] = ("treated", "connected", "effective", "intent", "recharged", "recharge_amount")


def labels_from_store(store: AnalyticsStore, campaign_ids: list[int]) -> Frame:
    """Per targeted customer of ``campaign_ids``: the call and business outcomes (latest campaign wins).

    Call outcomes (connected, effective, intent) are NaN for hold-out customers, so training on
    them uses called customers only; ``recharged`` covers both arms (uplift needs both).
    """
    if not campaign_ids:
        raise UserError("name at least one campaign")
    ids = ",".join(str(int(c)) for c in campaign_ids)
    rows = store.query(
        f"""SELECT b.customer_id, arg_max(b.arm = 'treated', b.campaign_id),
                   arg_max(coalesce(c.answered, false), b.campaign_id),
                   arg_max(coalesce(c.effective, false), b.campaign_id),
                   arg_max(coalesce(c.level, 0) = 4, b.campaign_id),
                   arg_max(b.recharge_amount, b.campaign_id)
            FROM business b LEFT JOIN campaign_customer c
              ON c.campaign_id = b.campaign_id AND c.customer_id = b.customer_id
            WHERE b.campaign_id IN ({ids}) GROUP BY b.customer_id ORDER BY b.customer_id"""
    )
    if not rows:
        raise UserError(f"no business data for campaign(s) {ids}; load it with `huashu report load`")
    cols = list(zip(*rows, strict=True))
    amount = np.asarray(cols[5], dtype=float)
    treated = np.asarray(cols[1], dtype=bool)

    def called_only(values: tuple[object, ...]) -> np.ndarray:
        # The control group was never called: "not connected" would be a false label there.
        return np.where(treated, np.asarray(values, dtype=float), np.nan)

    return {
        "customer_id": np.asarray(cols[0], dtype=np.int64),
        "treated": treated,
        "connected": called_only(cols[2]),
        "effective": called_only(cols[3]),
        "intent": called_only(cols[4]),
        "recharged": np.where(np.isnan(amount), np.nan, amount > 0),
        "recharge_amount": amount,
    }


def _split_kind(model: Any) -> str:
    """How a version's test part was drawn: stratified by arm and outcome (uplift) or by the hash split."""
    split = str(getattr(model, "metrics", {}).get("split", ""))
    return "stratified" if getattr(model, "kind", "") == "uplift" and split.startswith("stratified") else "hash"


def compare_versions(
    versions: list[tuple[int, Any]], frame: Frame, outcomes: Frame, target: str, cut_share: float = 0.2
) -> list[dict[str, Any]]:
    """Each ``(model_id, model)`` scored on the test customers of the first version's split seed.

    Versions trained with another split seed may have seen some of those customers; they are
    flagged ``same_holdout: False`` rather than silently compared.
    """
    from runtime.audience.train import score_frame
    from runtime.audience.uplift import outcome_arrays, score_uplift, stratified_split

    if not versions:
        return []
    first = versions[0][1]
    seed = first.split_seed
    y_all = join_target(frame, outcomes, target)
    split_kind = _split_kind(first)
    if split_kind == "stratified":
        # Uplift versions split within each (arm, outcome); the same outcomes give the same test part.
        yy_all, tt_all = outcome_arrays(frame, outcomes, target)
        part = stratified_split(np.asarray(frame["customer_id"]), tt_all, yy_all, seed)
    else:
        part = split_masks(np.asarray(frame["customer_id"]), seed)
    test = (part == 2) & (y_all >= 0)
    sub = {k: v[test] for k, v in frame.items()}
    y = y_all[test]
    out = []
    for model_id, model in versions:
        if getattr(model, "kind", "") == "uplift":
            ids, s = score_uplift(model, sub)
            yy, tt = outcome_arrays(sub, outcomes, target)
            keep = np.isin(np.asarray(sub["customer_id"]), ids)
            metrics: dict[str, Any] = {"qini": qini(yy[keep], tt[keep], s)["coefficient"]}
        else:
            ids, s = score_frame(model, sub)
            keep = np.isin(np.asarray(sub["customer_id"]), ids)
            metrics = cut_metrics(y[keep], s, cut_share)
        out.append(
            {"model_id": model_id, "kind": model.kind, "target": model.target, "test_customers": int(keep.sum()),
             "same_holdout": model.split_seed == seed and _split_kind(model) == split_kind, **metrics}
        )
    return out
