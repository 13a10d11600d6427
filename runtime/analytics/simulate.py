"""Synthetic campaigns over the synthetic base: call records plus the business outcomes they cause.

Used by the demo, the tests and the benchmark. Every attempt is placed in a uniformly
random half hour of the calling window, so the connect rate by half hour recovers the
customers' answer propensity (:mod:`runtime.audience.propensity`); recharge after the
campaign follows the ground truth in :mod:`runtime.audience.truth` (effective contact =
the full true uplift); the hold-out control group gets no call at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runtime.audience.control import control_mask
from runtime.audience.frame import Frame, frame_len, take
from runtime.audience.propensity import CHRONOTYPES, profiles
from runtime.audience.truth import draw_recharge

__all__ = ["CampaignSpec", "simulate_campaign", "sample", "customer_outcomes", "NODES", "FAILURES"]

NODES: tuple[str, ...] = ("greeting", "identity", "offer", "objection", "close")
# Not-answered outcomes and their shares.
FAILURES: tuple[tuple[str, float], ...] = (
    ("no_answer", 0.66),
    ("busy", 0.12),
    ("rejected", 0.10),
    ("unreachable", 0.07),
    ("invalid_number", 0.03),
    ("network_error", 0.02),
)
_LABELS = {"success": "有意向", "human_follow_up": "一般意向", "no_intent": "无意向", "failure": "拒绝"}


@dataclass(frozen=True, slots=True)
class CampaignSpec:
    campaign_id: int
    start: np.datetime64 = np.datetime64("2026-07-01T00:00:00", "s")  # UTC midnight = 08:00 Beijing
    days: int = 5
    max_attempts: int = 3
    window: tuple[int, int] = (18, 42)  # half-hour slots of local time: 09:00-21:00
    control_salt: str = "demo"
    control_fraction: float = 0.10
    first_call_id: int = 1
    seed: int = 1


def _choose_outcomes(rng: np.random.Generator, n: int) -> np.ndarray:
    names = np.asarray([f[0] for f in FAILURES], dtype=object)
    return names[rng.choice(len(FAILURES), size=n, p=[f[1] for f in FAILURES])]


def simulate_campaign(customers: Frame, spec: CampaignSpec) -> tuple[Frame, Frame]:
    """(call records, business outcomes) of one campaign over every customer in ``customers``."""
    rng = np.random.default_rng(spec.seed * 1_000_003 + spec.campaign_id)
    n = frame_len(customers)
    ids = np.asarray(customers["customer_id"], dtype=np.int64)
    control = control_mask(ids, spec.control_salt, spec.control_fraction)
    treated_pos = np.flatnonzero(~control)
    chrono = np.searchsorted(np.asarray(CHRONOTYPES), customers["chronotype"].astype(str))
    chrono = np.clip(chrono, 0, len(CHRONOTYPES) - 1)
    base = np.nan_to_num(np.asarray(customers["answer_base"], dtype=float), nan=0.4)
    pos, started, answered = _dial_rounds(spec, rng, treated_pos, base, chrono)
    m = len(pos)
    # Talk: a third hang up within 20 s (at the greeting or identity check), the rest talk ~45 s.
    short = rng.random(m) < 0.33
    talk = np.where(short, rng.uniform(2, 19.5, m), np.clip(rng.lognormal(3.8, 0.5, m), 20.5, 600))
    talk = np.round(np.where(answered, talk, 0.0), 1)
    effective_call = answered & (talk > 20)
    eff = np.zeros(n)
    np.maximum.at(eff, pos, np.where(effective_call, 1.0, np.where(answered, 0.3, 0.0)))
    recharged, amount = draw_recharge(customers, eff, rng)
    # Intent follows the eventual decision (that is why it predicts recharge).
    r = recharged[pos]
    u = rng.random(m)
    cat = np.where(
        r,
        np.where(u < 0.55, "success", np.where(u < 0.85, "human_follow_up", "no_intent")),
        np.where(u < 0.07, "success", np.where(u < 0.30, "human_follow_up", np.where(u < 0.8, "no_intent", "failure"))),
    ).astype(object)
    cat = np.where(answered & ~short, cat, np.where(answered, "no_intent", "")).astype(object)
    depth = np.where(short, rng.integers(1, 3, m), rng.integers(3, len(NODES) + 1, m))
    depth = np.where(answered, depth, 0)
    paths = np.asarray([">".join(NODES[:d]) for d in range(len(NODES) + 1)], dtype=object)
    last = np.asarray([""] + list(NODES), dtype=object)
    outcome = np.where(answered, "connected", _choose_outcomes(rng, m)).astype(object)
    order = np.argsort(started, kind="stable")
    calls: Frame = {
        "call_id": spec.first_call_id + np.arange(m, dtype=np.int64),
        "campaign_id": np.full(m, spec.campaign_id, dtype=np.int64),
        "customer_id": ids[pos][order],
        "number": customers["phone"][pos][order],
        "started_at": started[order],
        "answered": answered[order],
        "outcome": outcome[order],
        "talk_s": talk[order],
        "intent_label": np.asarray([_LABELS.get(c, "") for c in cat[order]], dtype=object),
        "intent_category": cat[order],
        "last_node": last[depth[order]],
        "node_path": paths[depth[order]],
        "tags": np.where(cat[order] == "success", "interested", "").astype(object),
    }
    return calls, _business(customers, spec, control, treated_pos, amount)


def _dial_rounds(spec: CampaignSpec, rng: np.random.Generator, treated_pos: np.ndarray, base: np.ndarray,
                 chrono: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(customer position, start, answered) of every attempt. Round by round: everyone gets a
    first attempt; the unanswered are redialled (three in four of them, up to ``max_attempts``)."""
    prof = profiles()
    pending = treated_pos
    parts: list[dict[str, np.ndarray]] = []
    for attempt in range(spec.max_attempts):
        if len(pending) == 0:
            break
        k = len(pending)
        slot = rng.integers(spec.window[0], spec.window[1], k)
        day = rng.integers(0, spec.days, k)
        local_s = day * 86400 + slot * 1800 + rng.integers(0, 1800, k)
        # local_s counts from local (UTC+8) midnight of the first day, which is start - 8 h in UTC.
        started = spec.start - np.timedelta64(8 * 3600, "s") + local_s.astype("timedelta64[s]")
        p = base[pending] * prof[chrono[pending], slot]
        answered = rng.random(k) < p
        parts.append({"pos": pending, "started": started, "answered": answered, "attempt": np.full(k, attempt)})
        pending = pending[~answered & (rng.random(k) < 0.75)]
    pos = np.concatenate([p["pos"] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
    started = np.concatenate([p["started"] for p in parts]) if parts else np.zeros(0, dtype="datetime64[s]")
    answered = np.concatenate([p["answered"] for p in parts]) if parts else np.zeros(0, dtype=bool)
    return pos, started, answered


def _business(customers: Frame, spec: CampaignSpec, control: np.ndarray, treated_pos: np.ndarray,
              amount: np.ndarray) -> Frame:
    """The business outcome of every customer, treated and control."""
    ids = np.asarray(customers["customer_id"], dtype=np.int64)
    targets = np.concatenate([treated_pos, np.flatnonzero(control)])
    return {
        "campaign_id": np.full(len(targets), spec.campaign_id, dtype=np.int64),
        "customer_id": ids[targets],
        "arm": np.where(control[targets], "control", "treated").astype(object),
        # Balance at the end of the measurement period: before + recharge - ten days of spend.
        "balance": np.round(
            np.nan_to_num(np.asarray(customers["balance"], dtype=float)[targets])
            + amount[targets]
            - np.nan_to_num(np.asarray(customers["arpu"], dtype=float)[targets], nan=50.0) / 3.0,
            2,
        ),
        "recharge_amount": amount[targets],
    }


def sample(customers: Frame, k: int, seed: int) -> Frame:
    """``k`` random customers (without replacement), for campaigns over part of the base."""
    n = frame_len(customers)
    idx = np.sort(np.random.default_rng(seed).choice(n, size=min(k, n), replace=False))
    return take(customers, idx)


def customer_outcomes(customers: Frame, calls: Frame, business: Frame) -> Frame:
    """Per customer of the base: what the campaign did to them, the training labels for feedback.

    ``treated`` (targeted, not hold-out), ``connected``, ``effective`` (talk > 20 s),
    ``intent`` (a call ended in the success category), ``recharged`` and ``recharge_amount``.
    """
    ids = np.asarray(customers["customer_id"], dtype=np.int64)
    order = np.argsort(ids, kind="mergesort")
    sorted_ids = ids[order]

    def pos(x: np.ndarray) -> np.ndarray:
        return order[np.searchsorted(sorted_ids, np.asarray(x, dtype=np.int64))]

    n = len(ids)
    connected = np.zeros(n, dtype=bool)
    effective = np.zeros(n, dtype=bool)
    intent = np.zeros(n, dtype=bool)
    cp = pos(calls["customer_id"])
    connected[cp[calls["answered"]]] = True
    effective[cp[calls["talk_s"] > 20]] = True
    intent[cp[calls["intent_category"] == "success"]] = True
    treated = np.zeros(n, dtype=bool)
    amount = np.full(n, np.nan)
    bp = pos(business["customer_id"])
    treated[bp] = business["arm"] == "treated"
    amount[bp] = business["recharge_amount"]
    return {
        "customer_id": ids,
        "treated": treated,
        "connected": connected,
        "effective": effective,
        "intent": intent,
        "recharged": np.where(np.isnan(amount), np.nan, amount > 0),
        "recharge_amount": amount,
    }
