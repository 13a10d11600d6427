"""The dialer over a deterministic runner: limits, redials, secondary numbers, opt-out, pause."""

from __future__ import annotations

import asyncio
from collections import Counter

from campaign_fake_runner import FakeRunner
from sqlalchemy import select

from runtime.campaigns import tables as T
from runtime.campaigns.dialer import LineLimits
from runtime.campaigns.loading import add_numbers
from runtime.campaigns.node import RuntimeNode
from runtime.campaigns.progress import progress
from runtime.campaigns.tasks import get_task, set_status, update_task
from tests.support.scripts import rows, running_task


def _node(engine, runner, **kw):
    return RuntimeNode(engine, runner, lambda task, errors: [], node_id=kw.pop("node_id", "n1"), lease_s=5, **kw)


def _run(node, once=True):
    asyncio.run(node.run(asyncio.Event(), once=once, tick=0.005))


def _attempts(engine):
    with engine.connect() as c:
        return c.execute(select(T.attempts.c.job_id, T.attempts.c.phone, T.attempts.c.leg, T.attempts.c.outcome)
                         .order_by(T.attempts.c.id)).all()


def test_redial_policy_secondary_fallback_and_opt_out(engine):
    tid = running_task(engine, redial_count=1, redial_interval_s=0, redial_outcomes="no_answer", call_secondary=True,
                       max_concurrent=3, calls_per_second=1000)
    phones = ["13800000010", "13800000014", "13800000015", "13800000016", "13800000018", "13800000024"]
    add_numbers(engine, tid, rows(phones, phone2={"13800000014": "13900000010", "13800000015": "13900000014",
                                                  "13800000018": "13900000020"}))
    runner = FakeRunner(delay=0.01, opt_out_suffix="10")
    _run(_node(engine, runner))

    per_phone = Counter(a.phone for a in _attempts(engine))
    assert per_phone == {
        "+8613800000010": 1,  # connected (and opted out)
        "+8613800000014": 2,  # no_answer, redialled once, then ...
        "+8613900000010": 1,  # ... its secondary, connected
        "+8613800000015": 1,  # busy is not redialled, goes to the secondary
        "+8613900000014": 2,  # secondary no_answer: redialled once, no further fallback
        "+8613800000016": 1,  # unreachable, no secondary: done
        "+8613800000018": 1,  # rejected: no redial, no fallback
        "+8613800000024": 2,  # no_answer + one redial
    }
    assert runner.max_concurrent <= 3
    with engine.connect() as c:
        bl = set(c.execute(select(T.blacklist.c.phone, T.blacklist.c.reason)).all())
        states = set(c.execute(select(T.jobs.c.state)).scalars())
    assert bl == {("+8613800000010", "opt_out"), ("+8613900000010", "opt_out")}
    assert states == {"done"}
    assert get_task(engine, tid).status == "completed"
    p = progress(engine, tid)
    assert p.attempts == 11 and p.attempts_by_outcome["connected"] == 2 and p.connected_numbers == 2


def test_opted_out_number_is_not_called_again_by_a_later_task(engine):
    t1 = running_task(engine, business="a")
    add_numbers(engine, t1, rows(["13800000010"]))
    _run(_node(engine, FakeRunner(opt_out_suffix="10")))
    t2 = running_task(engine, business="b", name="b")
    _, stats = add_numbers(engine, t2, rows(["13800000010"]))
    assert stats.reasons == {"opted_out": 1}  # recorded as an opt-out (compliance), on the blacklist too


def test_concurrency_and_line_limits(engine):
    tid = running_task(engine, max_concurrent=4, calls_per_second=1000)
    add_numbers(engine, tid, rows([f"138001{i:04d}0" for i in range(40)]))
    runner = FakeRunner(delay=0.03)
    _run(_node(engine, runner))
    assert 2 <= runner.max_concurrent <= 4 and len(runner.calls) == 40

    t2 = running_task(engine, name="t2", business="x", max_concurrent=50, calls_per_second=1000)
    add_numbers(engine, t2, rows([f"139001{i:04d}0" for i in range(30)]))
    runner2 = FakeRunner(delay=0.03)
    _run(_node(engine, runner2, line=LineLimits(max_concurrent=3, calls_per_second=1000)))
    assert 2 <= runner2.max_concurrent <= 3 and len(runner2.calls) == 30


def test_calls_per_second_paces_the_task(sqlite_engine):
    engine = sqlite_engine
    tid = running_task(engine, max_concurrent=50, calls_per_second=20)
    add_numbers(engine, tid, rows([f"138002{i:04d}0" for i in range(30)]))
    runner = FakeRunner()
    loop_t = []

    async def go():
        node = _node(engine, runner)
        t0 = asyncio.get_running_loop().time()
        await node.run(asyncio.Event(), once=True, tick=0.005)
        loop_t.append(asyncio.get_running_loop().time() - t0)

    asyncio.run(go())
    assert len(runner.calls) == 30
    assert 1.2 <= loop_t[0] <= 4.0  # 30 calls at 20/s with a one-call start: ~1.45 s


def test_paused_task_is_not_dialled_and_changes_apply_while_running(engine):
    tid = running_task(engine, max_concurrent=2, calls_per_second=1000)
    add_numbers(engine, tid, rows([f"138003{i:04d}0" for i in range(6)]))
    set_status(engine, tid, "pause")
    runner = FakeRunner()
    _run(_node(engine, runner))
    assert runner.calls == []
    update_task(engine, tid, {"max_concurrent": 1, "windows": "00:00-24:00"})
    set_status(engine, tid, "start", lambda s, v: {})
    runner = FakeRunner(delay=0.01)
    _run(_node(engine, runner))
    assert len(runner.calls) == 6 and runner.max_concurrent == 1


def test_stop_closes_queued_numbers_with_a_reason(engine):
    tid = running_task(engine)
    add_numbers(engine, tid, rows(["13800000010", "13800000020"]))
    set_status(engine, tid, "stop")
    p = progress(engine, tid)
    assert p.dropped_by_reason == {"task_stopped": 2}


def test_runner_crash_is_recorded_not_lost(engine):
    tid = running_task(engine)
    add_numbers(engine, tid, rows(["13800000010"]))

    async def broken(req):
        raise ConnectionError("trunk down")

    _run(_node(engine, broken))
    (a,) = _attempts(engine)
    assert a.outcome == "network_error"
    assert progress(engine, tid).by_state == {"done": 1}


def test_closed_window_defers_numbers_and_once_run_does_not_wait_for_it(engine):
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from runtime.campaigns.clock import utcnow

    local = utcnow().astimezone(ZoneInfo("Asia/Shanghai"))
    start = (local + timedelta(hours=2)).strftime("%H:00")
    end = (local + timedelta(hours=3)).strftime("%H:00")
    if start >= end:  # local time is 21:xx and the window would end at 24:00: 03:00-04:00 is closed then too
        start, end = "03:00", "04:00"
    tid = running_task(engine, windows=f"{start}-{end}")
    add_numbers(engine, tid, rows(["13800000010"]))
    with engine.connect() as c:
        nb, note = c.execute(select(T.jobs.c.not_before, T.jobs.c.note)).one()
    assert nb is not None and nb > utcnow() and "deferred" in note
    runner = FakeRunner()
    _run(_node(engine, runner))
    assert runner.calls == [] and progress(engine, tid).by_state == {"queued": 1}
