"""Retention housekeeping on a clock: call records, transcripts, finished queue rows and uploads
past their periods are deleted or anonymised; newer data and open jobs are left alone."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from huashu.core.config import RetentionSettings, Settings
from runtime.audit.log import AuditFilter, list_entries
from runtime.campaigns import tables as T
from runtime.privacy.retention import apply_retention

pytestmark = pytest.mark.offline
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _job(c, state: str, age_days: int, phone: str) -> int:
    return int(c.execute(T.jobs.insert().values(
        task_id=1, run_id=1, business="b", row_no=1, state=state, phone=phone, phone_raw=phone[3:], name="张三",
        customer_id="c", variables='{"fee": 1}', leg="primary", attempts=1,
        created_at=NOW - timedelta(days=age_days)).returning(T.jobs.c.id)).scalar_one())


def _attempt(c, job_id: int, age_days: int) -> None:
    c.execute(T.attempts.insert().values(task_id=1, job_id=job_id, phone="+8613800000001", node_id="n", state="ended",
                                         started_at=NOW - timedelta(days=age_days), record='{"transcript": []}'))


def test_retention_on_a_clock(engine: Engine, tmp_path: Path) -> None:
    st = Settings(data_dir=tmp_path, secret_key="k" * 40,
                  retention=RetentionSettings(call_records_days=365, transcripts_days=90, customer_rows_days=180,
                                              uploads_days=30))
    with engine.begin() as c:
        old = _job(c, "done", 400, "+8613800000001")
        mid = _job(c, "done", 100, "+8613800000002")
        open_old = _job(c, "queued", 400, "+8613800000003")
        _attempt(c, old, 400)
        _attempt(c, mid, 100)
        _attempt(c, mid, 10)
    (tmp_path / "uploads").mkdir()
    stale, fresh = tmp_path / "uploads" / "old.csv", tmp_path / "uploads" / "new.csv"
    for f, age in ((stale, 40), (fresh, 1)):
        f.write_text("phone\n13800000001\n")
        t = (NOW - timedelta(days=age)).timestamp()
        os.utime(f, (t, t))
    done = apply_retention(engine, st, now=NOW)
    assert done == {"call_records": 1, "transcripts": 1, "customer_rows": 1, "uploads": 1}
    with engine.connect() as c:
        atts = c.execute(select(T.attempts.c.started_at, T.attempts.c.record).order_by(T.attempts.c.id)).all()
        jobs = {r.id: r for r in c.execute(select(T.jobs))}
    assert [r.record for r in atts] == [None, '{"transcript": []}']  # 100 days: cleared; 10 days: kept
    assert (jobs[old].phone, jobs[old].name, jobs[old].variables, jobs[old].phone_raw) == (None, None, "{}", None)
    assert jobs[mid].phone == "+8613800000002"  # 100 days < 180
    assert jobs[open_old].phone == "+8613800000003"  # still queued: never anonymised under a dialer
    assert not stale.exists() and fresh.exists()
    assert list_entries(engine, AuditFilter(action="privacy.retention"))[0]["actor"] == "system:retention"
    assert apply_retention(engine, st, now=NOW) == {"call_records": 0, "transcripts": 0, "customer_rows": 0,
                                                    "uploads": 0}
    st_forever = Settings(data_dir=tmp_path, retention=RetentionSettings(call_records_days=None, transcripts_days=None,
                                                                           customer_rows_days=None, uploads_days=None))
    assert apply_retention(engine, st_forever, now=NOW + timedelta(days=5000)) == {"uploads": 0}
