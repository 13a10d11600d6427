"""A big list screened on a second core gives exactly what the in-process screen gives, and a
worker that dies fails the load as a whole (rolled back, nothing half stored)."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from runtime.campaigns import screening
from runtime.campaigns import tables as T
from runtime.campaigns.compliance import ScreenContext, screen
from runtime.campaigns.loading import add_numbers
from runtime.campaigns.mapping import CustomerRow
from runtime.campaigns.screening import ScreenWorkerError, job_rows, screened_batches
from runtime.campaigns.windows import parse_windows
from tests.support.scripts import running_task

NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai


def _rows(n: int) -> list[CustomerRow]:
    out = []
    for i in range(n):
        phone: object = f"139{i % 997:08d}"  # repeats: duplicates within and across batches
        if i % 101 == 0:
            phone = "12345"  # invalid
        elif i % 103 == 0:
            phone = f"+86 139-{i:04d}-0000"  # spelled: the slow path
        elif i % 107 == 0:
            phone = "１３９００００１２３４"  # full-width digits
        phone2 = {0: None, 1: "not a number", 2: "13700000000"}[i % 3]
        variables = {"amount": "abc" if i % 89 == 0 else f"{i}.5", "plan": "大流量包"}
        out.append(CustomerRow(i + 2, phone, phone2, customer_id=str(i), name=f"客户{i}", variables=variables))
    return out


def _ctx() -> ScreenContext:
    return ScreenContext(
        now_utc=NOW,
        global_blacklist={"+8613900000005"},
        task_blacklist={"+8613900000006"},
        recent_business={"+8613900000007"},
        recent_queued={"+8613900000008"},
        counts={"+8613900000009": (2, 2, 2), "+8613900000010": (0, 5, 5)},
        windows=parse_windows("10:00-12:00"),  # closed at 09:30: deferred to 10:00
        variable_types={"amount": "amount"},
    )


def _streamed(rows: list[CustomerRow], ctx: ScreenContext) -> Iterator[CustomerRow]:
    """Rows as the loader streams them: the control group grows as they come (mark_held_out)."""
    for r in rows:
        if int(r.customer_id or 0) % 53 == 0:
            ctx.held_out.add(str(r.customer_id))
        yield r


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(screening, "BATCH", 40)
    monkeypatch.setattr(screening, "BIG_LIST", 100)
    monkeypatch.setattr(screening, "_cpus", lambda: 2)  # the worker path even on a one-CPU machine
    calls = {"receive": 0}
    real = screening._Worker.receive
    real_init = screening._Worker.__init__

    def init_and_wait(self, ctx):  # a short list would be done before the worker is up
        real_init(self, ctx)
        assert self._ready.wait(30), "the screening worker did not start"

    monkeypatch.setattr(screening._Worker, "__init__", init_and_wait)

    def counted(self):
        calls["receive"] += 1
        return real(self)

    monkeypatch.setattr(screening._Worker, "receive", counted)
    return calls


@pytest.mark.parametrize("size_hint", [None, 2000])
def test_worker_screens_row_for_row_like_this_process(small_batches, size_hint):
    rows = _rows(2000)
    expected = job_rows(screen(_streamed(rows, ctx1 := _ctx()), ctx1))
    ctx2 = _ctx()
    got = [t for b in screened_batches(_streamed(rows, ctx2), ctx2, size_hint=size_hint) for t in b]
    assert small_batches["receive"] > 10  # most batches went through the worker
    assert got == expected
    reasons = {t[8] for t in got}
    assert {"duplicate_in_list", "blacklisted", "blacklisted_task", "recent_business", "cap_day", "cap_week",
            "invalid_number", "bad_variable", "control_group", None} <= reasons
    assert any(t[10] and "deferred" in t[10] for t in got) and any(t[10] and "secondary" in t[10] for t in got)
    assert any(t[3] == "+8613900001234" for t in got)  # the full-width number was read


def test_best_time_tasks_screen_through_the_worker_too(small_batches):
    from runtime.analytics.besttime import SlotRate
    from runtime.campaigns.best_time import SlotChooser

    rates = [SlotRate(seg, slot, 100, int(100 * r), r) for seg, best in (("owl", 40), ("lark", 22))
             for slot, r in ((best, 0.6), (best + 1, 0.4), (21, 0.1))]

    def ctx() -> ScreenContext:
        c = _ctx()
        c.windows = parse_windows("")
        c.best_slots = SlotChooser("chronotype", rates, set(range(48)))
        return c

    rows = [CustomerRow(i + 2, f"139{i:08d}", variables={"chronotype": ("owl", "lark", "")[i % 3]}) for i in range(600)]
    expected = job_rows(screen(rows, ctx()))
    got = [t for b in screened_batches(rows, ctx()) for t in b]
    assert small_batches["receive"] > 5 and got == expected
    assert sum(1 for t in got if t[10] and t[10].startswith("best time 20:00")) > 190  # 200 owls wait for 20:00


def test_no_worker_for_a_short_list_or_when_told_not_to(small_batches):
    ctx = _ctx()
    assert [t for b in screened_batches(_rows(90), ctx) for t in b] == job_rows(screen(_rows(90), _ctx()))
    ctx = _ctx()
    assert [t for b in screened_batches(_rows(500), ctx, worker=False) for t in b] == job_rows(screen(_rows(500), _ctx()))
    assert small_batches["receive"] == 0


def test_a_killed_worker_fails_the_load_and_nothing_is_stored(small_batches, monkeypatch, sqlite_engine):
    real_send = screening._Worker.send
    sent = {"n": 0}

    def send_then_kill(self, chunk, seen, held_out):
        real_send(self, chunk, seen, held_out)
        sent["n"] += 1
        if sent["n"] == 3:
            assert self._proc is not None
            os.kill(self._proc.pid, signal.SIGKILL)

    monkeypatch.setattr(screening._Worker, "send", send_then_kill)
    task = running_task(sqlite_engine)
    with pytest.raises(ScreenWorkerError, match="exit code -9"):
        add_numbers(sqlite_engine, task, [CustomerRow(i + 2, f"139{i:08d}") for i in range(2000)])
    with sqlite_engine.connect() as c:
        assert c.execute(select(func.count()).select_from(T.jobs)).scalar_one() == 0
        assert c.execute(select(func.count()).select_from(T.runs)).scalar_one() == 0


def test_a_big_load_through_the_worker_stores_every_row(small_batches, engine):
    task = running_task(engine)
    rows = [CustomerRow(i + 2, f"139{i % 1500:08d}", customer_id=f"c{i}", variables={"n": i}) for i in range(2000)]
    _, stats = add_numbers(engine, task, rows)
    assert small_batches["receive"] > 10
    assert (stats.total, stats.queued, stats.reasons) == (2000, 1500, {"duplicate_in_list": 500})
    with engine.connect() as c:
        got = c.execute(select(T.jobs.c.row_no, T.jobs.c.state, T.jobs.c.variables).order_by(T.jobs.c.id)).all()
    assert [r.row_no for r in got] == list(range(2, 2002))  # input order kept
    assert json.loads(got[7].variables) == {"n": 7}


def test_a_container_cpu_limit_caps_the_worker(tmp_path):
    from runtime.campaigns.screening import cgroup_cpu_limit

    assert cgroup_cpu_limit(tmp_path) is None  # no cgroup files: no limit
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert cgroup_cpu_limit(tmp_path) is None
    (tmp_path / "cpu.max").write_text("150000 100000\n")  # 1.5 CPUs: one whole CPU, no worker
    assert cgroup_cpu_limit(tmp_path) == 1 and screening._cpus(tmp_path) == 1
    (tmp_path / "cpu.max").unlink()
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("400000\n")  # cgroup v1
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert cgroup_cpu_limit(tmp_path) == 4
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")
    assert cgroup_cpu_limit(tmp_path) is None


def test_a_worker_that_cannot_start_leaves_the_screening_here(monkeypatch, caplog):
    import sys

    monkeypatch.setattr(screening, "BATCH", 40)
    monkeypatch.setattr(screening, "BIG_LIST", 100)
    monkeypatch.setattr(screening, "_cpus", lambda: 2)
    monkeypatch.setattr(sys, "executable", "/nonexistent/python3")
    rows = _rows(3000)
    with caplog.at_level("WARNING", logger="runtime.campaigns.screening"):
        got = [t for b in screened_batches(rows, _ctx(), size_hint=3000) for t in b]
        assert got == job_rows(screen(rows, _ctx()))
        deadline = time.monotonic() + 10  # the start is tried in a thread of its own
        while "screening worker not started" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.01)
    assert "screening worker not started" in caplog.text


def test_collection_is_paused_for_a_load_and_restored():
    import gc

    from runtime.campaigns.screening import paused_gc

    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused_gc():
        assert not gc.isenabled()
        raise RuntimeError("a failed load")
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
