"""The adapter from the campaigns area's attempt table into the analytics call-record shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import insert
from sqlmodel import Session

from huashu.core.db import init_db, make_engine
from runtime.analytics.from_campaigns import attempts_to_records, sync
from runtime.analytics.records import customer_key
from runtime.analytics.report import build_report
from runtime.analytics.store import AnalyticsStore

pytestmark = pytest.mark.offline


def test_customer_key_is_stable() -> None:
    assert customer_key("12345") == 12345
    assert customer_key(77) == 77
    k = customer_key("CUST-A")
    assert k == customer_key("CUST-A") and k is not None and k > 1 << 61
    assert customer_key("") is None


def test_records_from_rows() -> None:
    rec = {"path": ["greet", "offer"], "tags": ["vip"], "intent": {"label": "有意向", "category": "success"}}
    rows = [
        {"id": 1, "task_id": 3, "phone": "+8613800000000", "outcome": "connected",
         "started_at": datetime(2026, 7, 1, 4, 5, tzinfo=UTC), "talk_ms": 25400, "intent": "有意向",
         "record": json.dumps(rec), "customer_id": "42"},
        {"id": 2, "task_id": 3, "phone": "+8613800000001", "outcome": "busy",
         "started_at": datetime(2026, 7, 1, 4, 6), "talk_ms": 0, "intent": None, "record": "not json",
         "customer_id": None},
    ]
    f = attempts_to_records(rows)
    assert f["customer_id"].tolist() == [42, -1]
    assert f["answered"].tolist() == [True, False]
    assert f["talk_s"].tolist() == [25.4, 0.0]
    assert f["node_path"].tolist() == ["greet>offer", ""]
    assert f["last_node"].tolist() == ["offer", ""]
    assert f["intent_category"].tolist() == ["success", ""]
    assert f["started_at"][0] == np.datetime64("2026-07-01T04:05:00")


def test_sync_appends_only_new_attempts(tmp_path) -> None:
    from runtime.campaigns.tables import attempts, jobs

    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    init_db(engine)
    now = datetime(2026, 7, 1, 4, 0, tzinfo=UTC)
    with Session(engine) as s:
        s.execute(insert(jobs), [{"id": i, "task_id": 5, "run_id": 1, "business": "b", "customer_id": str(100 + i),
                                  "phone": f"+86138{i:08d}", "created_at": now} for i in range(1, 4)])
        s.execute(insert(attempts), [{"id": i, "job_id": i, "task_id": 5, "phone": f"+86138{i:08d}", "node_id": "n1",
                                      "outcome": "connected" if i != 2 else "no_answer", "started_at": now,
                                      "talk_ms": 30_000 * (i != 2),
                                      "record": json.dumps({"path": ["a", "b"], "intent": {"category": "success"}})}
                                     for i in range(1, 4)])
        s.commit()
        with AnalyticsStore() as st:
            assert sync(s, st) == 3
            assert sync(s, st) == 0
            r = build_report(st, 5)
            assert r["summary"]["attempts"] == 3 and r["summary"]["connected"] == 2
            assert r["funnel"][-1]["customers"] == 2
            s.execute(insert(attempts), [{"id": 4, "job_id": 1, "task_id": 5, "phone": "x", "node_id": "n1",
                                          "outcome": "busy", "started_at": now}])
            s.commit()
            assert sync(s, st) == 1
