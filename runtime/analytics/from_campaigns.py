"""Adapter: the campaigns area's call attempts (SQL tables) into the call-record shape of :mod:`records`.

Reads ``campaign_attempt`` joined to ``campaign_job`` (for the customer id) and the engine's
record JSON (node path, tags, intent) after a given attempt id, so :func:`sync` can append
only new calls to the analytics store.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlmodel import Session

from runtime.analytics.records import customer_key
from runtime.analytics.store import AnalyticsStore
from runtime.audience.frame import Frame

__all__ = ["attempts_to_records", "read_attempts", "sync"]


def _naive_utc(t: datetime | None) -> np.datetime64:
    if t is None:
        return np.datetime64("NaT", "s")
    if t.tzinfo is not None:
        t = t.astimezone(UTC).replace(tzinfo=None)
    return np.datetime64(t, "s")


def attempts_to_records(rows: list[dict[str, Any]]) -> Frame:
    """Rows with attempt + job fields (``id, task_id, phone, outcome, started_at, talk_ms, intent, record,
    customer_id``) into call-record columns; an unreadable record JSON counts as no path and no tags."""
    out: dict[str, list[Any]] = {k: [] for k in (
        "call_id", "campaign_id", "customer_id", "number", "started_at", "answered", "outcome", "talk_s",
        "intent_label", "intent_category", "last_node", "node_path", "tags")}
    for r in rows:
        try:
            rec = json.loads(r.get("record") or "{}")
        except json.JSONDecodeError:
            rec = {}
        rec = rec if isinstance(rec, dict) else {}
        # A campaign attempt stores the whole call result; the dialog engine's record
        # (path, tags, intent) is nested under "record".
        inner = rec.get("record")
        rec = inner if isinstance(inner, dict) else rec
        path = [str(p) for p in rec.get("path") or []]
        intent = rec.get("intent") or {}
        answered = r.get("outcome") == "connected"
        key = customer_key(r.get("customer_id"))
        out["call_id"].append(int(r["id"]))
        out["campaign_id"].append(int(r["task_id"]))
        out["customer_id"].append(-1 if key is None else key)
        out["number"].append(str(r.get("phone") or ""))
        out["started_at"].append(_naive_utc(r.get("started_at")))
        out["answered"].append(answered)
        out["outcome"].append(str(r.get("outcome") or "interrupted"))
        out["talk_s"].append(round((r.get("talk_ms") or 0) / 1000.0, 1))
        out["intent_label"].append(str(intent.get("label") or r.get("intent") or "") if answered else "")
        out["intent_category"].append(str(intent.get("category") or "") if answered else "")
        out["last_node"].append(path[-1] if path else "")
        out["node_path"].append(">".join(path))
        out["tags"].append(",".join(str(t) for t in rec.get("tags") or []))
    return {
        "call_id": np.asarray(out["call_id"], dtype=np.int64),
        "campaign_id": np.asarray(out["campaign_id"], dtype=np.int64),
        "customer_id": np.asarray(out["customer_id"], dtype=np.int64),
        "number": np.asarray(out["number"], dtype=object),
        "started_at": np.asarray(out["started_at"], dtype="datetime64[s]"),
        "answered": np.asarray(out["answered"], dtype=bool),
        "outcome": np.asarray(out["outcome"], dtype=object),
        "talk_s": np.asarray(out["talk_s"], dtype=float),
        "intent_label": np.asarray(out["intent_label"], dtype=object),
        "intent_category": np.asarray(out["intent_category"], dtype=object),
        "last_node": np.asarray(out["last_node"], dtype=object),
        "node_path": np.asarray(out["node_path"], dtype=object),
        "tags": np.asarray(out["tags"], dtype=object),
    }


def read_attempts(session: Session, after_id: int = 0, limit: int | None = 50_000,
                  task_id: int | None = None) -> list[dict[str, Any]]:
    """Finished attempts with an id above ``after_id`` (oldest first), of one task if given."""
    from runtime.campaigns.tables import attempts, jobs

    stmt = (
        select(
            attempts.c.id, attempts.c.task_id, attempts.c.phone, attempts.c.outcome, attempts.c.started_at,
            attempts.c.talk_ms, attempts.c.intent, attempts.c.record, jobs.c.customer_id,
        )
        .select_from(attempts.outerjoin(jobs, jobs.c.id == attempts.c.job_id))
        .where(attempts.c.id > after_id, attempts.c.outcome.is_not(None))
        .order_by(attempts.c.id)
        .limit(limit)
    )
    if task_id is not None:
        stmt = stmt.where(attempts.c.task_id == task_id)
    return [dict(r._mapping) for r in session.execute(stmt)]


def sync(session: Session, store: AnalyticsStore) -> int:
    """Append every finished attempt the store does not have yet; returns how many were added."""
    # Call ids of this store come from campaign_attempt.id, so the highest one is the watermark.
    row = store.query("SELECT coalesce(max(call_id), 0) FROM calls")
    after = int(row[0][0]) if row else 0
    added = 0
    while True:
        batch = read_attempts(session, after)
        if not batch:
            return added
        added += store.add_calls(attempts_to_records(batch))
        after = int(batch[-1]["id"])
