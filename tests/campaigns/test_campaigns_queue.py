"""Loading numbers into the dial queue against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select, update

from runtime.campaigns import blacklist
from runtime.campaigns import tables as T
from runtime.campaigns.clock import utcnow
from runtime.campaigns.loading import add_numbers
from runtime.campaigns.progress import progress
from tests.support.scripts import rows, running_task


def test_every_number_gets_a_verdict_and_dedupe_spans_tasks_of_a_business(engine):
    t1 = running_task(engine, business="card")
    blacklist.add(engine, "13800000001")
    blacklist.add(engine, "13800000002", task_id=t1)
    phones = ["13800000001", "13800000002", "13800000009", "13800000009", "nope", "13800000019"]
    _, stats = add_numbers(engine, t1, rows(phones))
    assert (stats.total, stats.queued, stats.dropped) == (6, 2, 4)
    assert stats.reasons == {"blacklisted": 1, "blacklisted_task": 1, "duplicate_in_list": 1, "bad_format": 1}
    with engine.connect() as c:
        got = c.execute(select(T.jobs.c.row_no, T.jobs.c.state, T.jobs.c.drop_reason).order_by(T.jobs.c.row_no)).all()
    assert [r[0] for r in got] == [2, 3, 4, 5, 6, 7]

    # another task of the same business: the queued numbers are recent now; another business is free
    t2 = running_task(engine, business="card", name="t2")
    _, s2 = add_numbers(engine, t2, rows(["13800000009", "13800000029"]))
    assert s2.reasons == {"recent_business": 1} and s2.queued == 1
    t3 = running_task(engine, business="loan", name="t3")
    _, s3 = add_numbers(engine, t3, rows(["13800000009"]))
    assert s3.queued == 1  # one open job elsewhere counts towards today's cap of 2
    t4 = running_task(engine, business="mortgage", name="t4")
    _, s4 = add_numbers(engine, t4, rows(["13800000009"]))
    assert s4.reasons == {"cap_day": 1}


def test_dedupe_window_and_caps_are_configurable(engine):
    t1 = running_task(engine, business="card", dedupe_days=7)
    add_numbers(engine, t1, rows(["13800000009"]))
    with engine.begin() as c:  # the earlier job was 8 days ago and finished
        c.execute(update(T.jobs).values(created_at=utcnow() - timedelta(days=8), state="done"))
    _, s = add_numbers(engine, t1, rows(["13800000009"]))
    assert s.queued == 1

    with engine.begin() as c:
        c.execute(update(T.compliance).where(T.compliance.c.id == 1).values(cap_day=1, cap_week=3))
        now = utcnow()
        c.execute(insert(T.attempts), [
            {"job_id": 1, "task_id": t1, "phone": "+8613800000039", "leg": "primary", "node_id": "x", "state": "ended",
             "outcome": "no_answer", "started_at": now - timedelta(days=d), "ring_ms": 0, "talk_ms": 0, "opt_out": False}
            for d in (2, 3, 4)
        ])
    t2 = running_task(engine, business="other", name="t2")
    _, s = add_numbers(engine, t2, rows(["13800000039", "13800000049"]))
    assert s.reasons == {"cap_week": 1}
    p = progress(engine, t2)
    assert p.dropped_by_reason == {"cap_week": 1} and p.by_state["queued"] == 1
