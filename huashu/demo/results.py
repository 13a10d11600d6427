"""The demo campaign's results into the analytics store: its calls, and the recharges after it.

Calls come from ``campaign_attempt`` through the analytics adapter, with the start time
replaced by the attempt's virtual time of day (the record's ``virtual_started_at``). The
business outcome of every target customer, called or held out, is drawn from the ground
truth of the synthetic base: an effective call (talk > 20 s) carries the customer's true
uplift, a short connected call 30 % of it, no call none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine
from sqlmodel import Session

from huashu.demo.audience import DemoAudience
from runtime.analytics.from_campaigns import attempts_to_records, read_attempts
from runtime.analytics.store import AnalyticsStore
from runtime.audience.frame import Frame
from runtime.audience.truth import draw_recharge

__all__ = ["LoadedResults", "load_results", "read_task_attempts", "EFFECTIVE_TALK_S", "SHORT_CALL_SHARE"]

EFFECTIVE_TALK_S = 20.0
SHORT_CALL_SHARE = 0.3


@dataclass(frozen=True, slots=True)
class LoadedResults:
    calls: int
    treated: int
    control: int


def read_task_attempts(engine: Engine, task_id: int) -> list[dict[str, Any]]:
    with Session(engine) as s:
        return read_attempts(s, limit=None, task_id=task_id)


def _virtual_start(row: dict[str, Any]) -> datetime | None:
    try:
        rec = json.loads(row.get("record") or "{}")
        text = rec.get("virtual_started_at") if isinstance(rec, dict) else None
        return datetime.fromisoformat(text).astimezone(UTC).replace(tzinfo=None) if text else None
    except (ValueError, TypeError):
        return None


def _effect(rows: list[dict[str, Any]]) -> dict[int, float]:
    """Per customer id, the share of the true uplift the calls delivered (best attempt counts)."""
    out: dict[int, float] = {}
    for r in rows:
        if r.get("customer_id") is None or r.get("outcome") != "connected":
            continue
        e = 1.0 if (r.get("talk_ms") or 0) / 1000.0 > EFFECTIVE_TALK_S else SHORT_CALL_SHARE
        cid = int(r["customer_id"])
        out[cid] = max(out.get(cid, 0.0), e)
    return out


def business_frame(aud: DemoAudience, effect: dict[int, float], campaign_id: int, seed: int) -> Frame:
    pos = np.concatenate([aud.called, aud.control])
    sub: Frame = {k: np.asarray(v)[pos] for k, v in aud.base.items()}
    ids = sub["customer_id"].astype(np.int64)
    eff = np.asarray([effect.get(int(c), 0.0) for c in ids], dtype=float)
    eff[len(aud.called):] = 0.0  # the control group is never called
    recharged, amount = draw_recharge(sub, eff, np.random.default_rng(seed))
    arpu = np.nan_to_num(np.asarray(sub["arpu"], dtype=float), nan=50.0)
    balance = np.nan_to_num(np.asarray(sub["balance"], dtype=float))
    arm = np.where(np.arange(len(pos)) < len(aud.called), "treated", "control").astype(object)
    return {
        "campaign_id": np.full(len(pos), campaign_id, dtype=np.int64),
        "customer_id": ids,
        "arm": arm,
        # balance at the end of the period: before + recharge - ten days of spend (as the analytics simulation)
        "balance": np.round(balance + amount - arpu / 3.0, 2),
        "recharge_amount": amount,
    }


def load_results(engine: Engine, store_path: Path, task_id: int, aud: DemoAudience, seed: int) -> LoadedResults:
    """Replace the campaign's calls and business data in the store with the current ones."""
    rows = read_task_attempts(engine, task_id)
    records = attempts_to_records(rows)
    starts = [_virtual_start(r) for r in rows]
    records["started_at"] = np.asarray(
        [np.datetime64(v, "s") if v is not None else old for v, old in zip(starts, records["started_at"], strict=True)],
        dtype="datetime64[s]")
    order = np.argsort(records["started_at"], kind="stable")
    records = {k: v[order] for k, v in records.items()}
    business = business_frame(aud, _effect(rows), task_id, seed)
    store_path.parent.mkdir(parents=True, exist_ok=True)
    with AnalyticsStore(store_path) as st:
        st.con.execute("DELETE FROM calls WHERE campaign_id = ?", [task_id])
        if len(rows):
            st.add_calls(records)
        st.add_business(business)
    return LoadedResults(len(rows), len(aud.called), len(aud.control))
