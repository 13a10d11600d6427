"""Business data as it arrives (a file or a data source extract) made into the documented shape.

Extracts often carry only ``customer_id, balance, recharge_amount``; the campaign id comes
from the operator and the arm from the persisted control-group policy (the same hash that
kept those customers out of the campaign), so nobody has to copy the arm around by hand.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from huashu.core.errors import UserError
from runtime.analytics.records import BUSINESS_COLUMNS
from runtime.audience.frame import Frame, frame_len, numeric

__all__ = ["complete_business"]


def complete_business(frame: Frame, campaign_id: int | None, is_control: Callable[[np.ndarray], np.ndarray] | None) -> Frame:
    """Fill ``campaign_id`` and ``arm`` when missing; ValueError names what cannot be filled."""
    n = frame_len(frame)
    out = dict(frame)
    if "campaign_id" not in out:
        if campaign_id is None:
            raise UserError("the business data has no campaign_id column; give the campaign")
        out["campaign_id"] = np.full(n, campaign_id, dtype=np.int64)
    if "arm" not in out:
        if is_control is None:
            raise UserError("the business data has no arm column and no control policy is set")
        held = is_control(numeric(out, "customer_id", np.int64, what="the business data"))
        out["arm"] = np.where(held, "control", "treated").astype(object)
    for col in ("balance", "recharge_amount"):
        if col not in out:
            raise UserError(f"the business data has no {col} column")
        vals = numeric(out, col, what="the business data")
        out[col] = vals
    missing = [c for c in BUSINESS_COLUMNS if c not in out]
    if missing:
        raise UserError(f"the business data lacks {', '.join(missing)}")
    return {c: out[c] for c in BUSINESS_COLUMNS}
