"""Dedupe and the compliance screen: a call cancelled before dialling counts neither for dedupe
nor for the caps, the dedupe message says queued or called, and the secondary number passes the
same screen as the primary (blacklist before dedupe; another business is free)."""

from __future__ import annotations

from sqlalchemy import select

from runtime.campaigns import blacklist
from runtime.campaigns import tables as T
from runtime.campaigns.claims import CallReport, claim, finish_attempt, start_attempt
from runtime.campaigns.clock import utcnow
from runtime.campaigns.loading import add_numbers
from runtime.campaigns.queue import count_calls
from runtime.campaigns.tasks import (
    get_task,
)
from tests.support.scripts import rows, running_task


def _dial(engine, tid: int, report: CallReport) -> None:
    (job,) = claim(engine, "n", tid, 1)
    att = start_attempt(engine, job, "n")
    assert att is not None
    finish_attempt(engine, att, job, report, get_task(engine, tid), "n")


def _secondary_after_failed_primary(engine, tid: int) -> tuple[str, str | None, str | None]:
    add_numbers(engine, tid, rows(["13800000010"], {"13800000010": "13900000021"}))
    _dial(engine, tid, CallReport("no_answer"))
    with engine.connect() as c:
        r = c.execute(select(T.jobs.c.state, T.jobs.c.leg, T.jobs.c.note).where(T.jobs.c.task_id == tid)).one()
    return r.state, r.leg, r.note


def test_a_call_cancelled_before_dialling_counts_neither_for_dedupe_nor_caps(engine):
    t1 = running_task(engine, business="data")
    add_numbers(engine, t1, rows(["13800000010"]))
    _dial(engine, t1, CallReport("cancelled", cause="bad_variables: script 's1' needs variable(s) fee"))
    with engine.connect() as c:
        assert count_calls(c, utcnow()) == {}
    t2 = running_task(engine, business="data", name="t2")
    _, stats = add_numbers(engine, t2, rows(["13800000010"]))
    assert stats.queued == 1 and stats.reasons == {}
    # a call that was placed does count
    _dial(engine, t2, CallReport("no_answer"))
    t3 = running_task(engine, business="data", name="t3")
    _, stats = add_numbers(engine, t3, rows(["13800000010"]))
    assert stats.reasons == {"recent_business": 1}


def test_dedupe_message_says_queued_for_a_number_not_called_yet(engine):
    t1 = running_task(engine, business="data")
    add_numbers(engine, t1, rows(["13800000010", "13800000021"]))
    _dial(engine, t1, CallReport("busy"))  # the first one is called, the second still queued
    t2 = running_task(engine, business="data", name="t2")
    run, _ = add_numbers(engine, t2, rows(["13800000010", "13800000021"]))
    with engine.connect() as c:
        got = c.execute(select(T.jobs.c.phone, T.jobs.c.drop_reason, T.jobs.c.drop_message)
                        .where(T.jobs.c.run_id == run).order_by(T.jobs.c.row_no)).all()
    assert [g[1] for g in got] == ["recent_business", "recent_business"]
    assert "was called for this business in the last 30 days" in got[0][2]
    assert "already queued for this business (not called yet)" in got[1][2] and "called for" not in got[1][2]


def test_secondary_number_called_for_the_business_is_not_called_again(engine):
    t0 = running_task(engine, business="data", name="earlier")
    add_numbers(engine, t0, rows(["13900000021"]))
    _dial(engine, t0, CallReport("no_answer"))  # the secondary number was called for this business
    tid = running_task(engine, business="data", call_secondary=True)
    state, leg, note = _secondary_after_failed_primary(engine, tid)
    assert (state, leg) == ("done", "primary")
    assert "secondary number not called" in note and "(recent_business)" in note and "was called" in note


def test_secondary_number_queued_for_the_business_is_not_queued_twice(engine):
    t0 = running_task(engine, business="data", name="earlier")
    add_numbers(engine, t0, rows(["13900000021"]))  # queued, not called yet
    tid = running_task(engine, business="data", call_secondary=True)
    state, _, note = _secondary_after_failed_primary(engine, tid)
    assert state == "done" and "already queued" in note and "(recent_business)" in note


def test_secondary_screen_order_blacklist_before_dedupe_and_other_business_is_free(engine):
    t0 = running_task(engine, business="data", name="earlier")
    add_numbers(engine, t0, rows(["13900000021"]))
    _dial(engine, t0, CallReport("no_answer"))
    blacklist.add(engine, "13900000021")
    tid = running_task(engine, business="data", call_secondary=True)
    state, _, note = _secondary_after_failed_primary(engine, tid)
    assert state == "done" and "(blacklisted)" in note
    other = running_task(engine, business="loans", call_secondary=True, name="other")
    blacklist.remove(engine, "13900000021")
    state, leg, _ = _secondary_after_failed_primary(engine, other)
    assert (state, leg) == ("queued", "secondary")
