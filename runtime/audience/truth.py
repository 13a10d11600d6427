"""The ground truth behind the synthetic base: who recharges anyway, and who a call moves.

``base_rate`` is the chance a customer recharges in the month after a campaign without
being called; ``true_uplift`` is what one effective call adds. The uplift differs by
segment (large for recently semi-suspended long-tenure customers, negative for frequent
complainers) so an uplift model has something real to find and a response model that
ranks "who recharges anyway" first is measurably worse at it.
"""

from __future__ import annotations

import numpy as np

from runtime.audience.frame import Frame, frame_len
from runtime.audience.synth import REFERENCE_TIME

__all__ = [
    "base_rate",
    "true_uplift",
    "draw_recharge",
    "TOPUP_AMOUNTS",
    "SHORT_CALL_EFFECT",
    "delivered_effect",
    "outcomes_for_assignment",
]

TOPUP_AMOUNTS: tuple[float, ...] = (30.0, 50.0, 100.0, 200.0, 300.0, 500.0)
# A connected call under 20 s delivers this share of the true uplift (as runtime/analytics/simulate.py draws it).
SHORT_CALL_EFFECT = 0.3


def _col(frame: Frame, name: str, fill: float) -> np.ndarray:
    return np.nan_to_num(np.asarray(frame[name], dtype=float), nan=fill)


def _tenure_months(frame: Frame) -> np.ndarray:
    return (REFERENCE_TIME - frame["activated_at"]).astype("timedelta64[s]").astype(float) / (30.44 * 86400)


def base_rate(frame: Frame) -> np.ndarray:
    """P(recharge next month | not called), per customer."""
    count = _col(frame, "recharge_count_6m", 0)
    arpu = np.clip(_col(frame, "arpu", 50), 0, 400)
    status = frame["status"]
    z = -2.3 + 0.55 * np.log1p(count) + 0.004 * arpu
    z = z + np.where(status == "semi_suspended", 0.6, 0.0) + np.where(status == "suspended", -1.0, 0.0)
    z = z - 0.25 * np.minimum(_col(frame, "complaints_12m", 0), 4)
    return 1.0 / (1.0 + np.exp(-z))


def true_uplift(frame: Frame) -> np.ndarray:
    """What one effective call (talk > 20 s) adds to the recharge probability, per customer."""
    n = frame_len(frame)
    status = frame["status"]
    tenure = _tenure_months(frame)
    balance = _col(frame, "balance", 0)
    tau = np.full(n, 0.01)
    tau = np.where((status == "active") & (balance < 20), 0.06, tau)
    tau = np.where(status == "semi_suspended", np.where(tenure >= 12, 0.22, 0.10), tau)
    tau = np.where(status == "suspended", 0.07, tau)
    tau = np.where(_col(frame, "complaints_12m", 0) >= 2, -0.05, tau)
    return tau


def draw_recharge(
    frame: Frame, effect: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Draw (recharged, amount) given the share of the true uplift each customer received.

    ``effect`` is 1 for an effective call, a fraction for a short one and 0 for no call.
    """
    p = np.clip(base_rate(frame) + true_uplift(frame) * effect, 0.0, 0.97)
    recharged = rng.random(len(p)) < p
    arpu = np.clip(_col(frame, "arpu", 50), 5, 400)
    # Bigger spenders top up bigger amounts: the index into TOPUP_AMOUNTS grows with log ARPU.
    idx = np.clip(np.round(np.log(arpu / 12.0) + rng.normal(0, 0.8, len(p))), 0, len(TOPUP_AMOUNTS) - 1)
    amount = np.where(recharged, np.asarray(TOPUP_AMOUNTS)[idx.astype(int)], 0.0)
    return recharged, amount


def delivered_effect(effective: np.ndarray, connected: np.ndarray) -> np.ndarray:
    """The share of the true uplift a called customer received: 1 effective, 0.3 short connected, 0 none."""
    eff = np.nan_to_num(np.asarray(effective, dtype=float)) > 0
    con = np.nan_to_num(np.asarray(connected, dtype=float)) > 0
    return np.where(eff, 1.0, np.where(con, SHORT_CALL_EFFECT, 0.0))


def outcomes_for_assignment(frame: Frame, treated: np.ndarray, seed: int = 11) -> Frame:
    """Business outcomes of a randomised experiment: ``treated`` customers got an effective call."""
    rng = np.random.default_rng(seed)
    recharged, amount = draw_recharge(frame, treated.astype(float), rng)
    return {
        "customer_id": frame["customer_id"],
        "treated": treated.astype(bool),
        "recharged": recharged,
        "recharge_amount": amount,
    }
