"""The cron scheduler: persisted triggers, misfire policies, restart, exactly once across processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from huashu.core.db import make_engine
from runtime.campaigns import tables as T
from runtime.campaigns.clock import utcnow
from runtime.campaigns.cronspec import next_fire
from runtime.campaigns.loading import load_pending_runs
from runtime.campaigns.mapping import SourceRow
from runtime.campaigns.progress import progress
from runtime.campaigns.scheduler import fire_due
from runtime.campaigns.tasks import TaskError, TaskSpec, create_task, set_status, update_task
from tests.support.scripts import approved, running_task

ROOT = Path(__file__).resolve().parent.parent.parent


def _runs(engine, task_id=None):
    q = select(T.runs.c.task_id, T.runs.c.fired_at, T.runs.c.state)
    if task_id is not None:
        q = q.where(T.runs.c.task_id == task_id)
    with engine.connect() as c:
        return c.execute(q.order_by(T.runs.c.id)).all()


def _trigger(engine, task_id):
    with engine.connect() as c:
        return c.execute(select(T.triggers).where(T.triggers.c.task_id == task_id)).one()


def test_cron_trigger_fires_at_its_time_and_moves_on(engine):
    tid = running_task(engine, schedule_kind="cron", cron="0 9 * * *", timezone="Asia/Shanghai")
    trig = _trigger(engine, tid)
    now = utcnow()
    assert trig.next_fire_at == next_fire("0 9 * * *", "Asia/Shanghai", now) or trig.next_fire_at > now
    assert fire_due(engine, now) == []
    due = trig.next_fire_at
    fires = fire_due(engine, due + timedelta(seconds=1))
    assert [f.task_id for f in fires] == [tid] and fires[0].run_id is not None
    assert fire_due(engine, due + timedelta(seconds=2)) == []  # the same time never fires twice
    t2 = _trigger(engine, tid)
    assert t2.next_fire_at == due + timedelta(days=1) and t2.fire_count == 1


def test_misfire_fire_once_versus_skip(engine):
    a = running_task(engine, name="a", schedule_kind="cron", cron="*/5 * * * *", misfire="fire_once")
    b = running_task(engine, name="b", business="b", schedule_kind="cron", cron="*/5 * * * *", misfire="skip")
    due = _trigger(engine, a).next_fire_at
    with engine.begin() as c:
        c.execute(update(T.triggers).where(T.triggers.c.task_id == b).values(next_fire_at=due))
    later = due + timedelta(hours=3)  # the node was down for three hours: 36 fire times missed
    fires = {f.task_id: f for f in fire_due(engine, later)}
    assert fires[a].run_id is not None and fires[b].run_id is None
    assert len(_runs(engine, a)) == 1 and _runs(engine, b) == []
    assert _trigger(engine, b).skipped == 1
    assert _trigger(engine, a).next_fire_at > later


def test_paused_task_does_not_fire_and_state_survives_a_new_engine(engine, db_url):
    tid = running_task(engine, schedule_kind="cron", cron="0 9 * * *")
    due = _trigger(engine, tid).next_fire_at
    set_status(engine, tid, "pause")
    assert fire_due(engine, due + timedelta(seconds=1)) == []
    set_status(engine, tid, "start", approved)
    other = make_engine(db_url)  # a restarted process
    assert [f.task_id for f in fire_due(other, due + timedelta(seconds=1))] == [tid]
    other.dispose()


def test_once_task_loads_its_source_and_completes(engine):
    spec = TaskSpec(name="once", business="b", script_id="s1", windows="", mapping={"phone": "mobile"})
    task = create_task(engine, spec)
    set_status(engine, task.id, "start", approved)
    fire_due(engine)

    def rows(task, errors):
        return [SourceRow(2, {"mobile": "13800000010"}), SourceRow(3, {"mobile": "x"})]

    loaded = load_pending_runs(engine, "n1", rows)
    assert [s.total for s in loaded.values()] == [2]
    assert load_pending_runs(engine, "n2", rows) == {}  # loaded exactly once
    assert progress(engine, task.id).dropped_by_reason == {"bad_format": 1}


def test_bad_schedules_are_rejected_with_the_field(engine):
    with pytest.raises(TaskError, match="hour field: 99"):
        running_task(engine, schedule_kind="cron", cron="0 99 * * *")
    with pytest.raises(TaskError, match="time zone"):
        running_task(engine, timezone="Nowhere/City")
    tid = running_task(engine)
    with pytest.raises(TaskError, match="calling window"):
        update_task(engine, tid, {"windows": "9-12"})
    set_status(engine, tid, "stop")
    with pytest.raises(TaskError, match="cannot pause task .*: it is completed"):
        set_status(engine, tid, "pause")


_FIRE_LOOP = """
import sys, time
from huashu.core.db import make_engine
from runtime.campaigns.scheduler import fire_due
engine = make_engine(sys.argv[1])
start = float(sys.argv[2])
while time.time() < start:
    time.sleep(0.001)
n = 0
end = time.time() + 1.5
while time.time() < end:
    n += sum(1 for f in fire_due(engine) if f.run_id is not None)
print(n)
"""


@pytest.mark.postgres
def test_three_processes_fire_each_trigger_exactly_once(pg_engine, pg_url):
    tids = [running_task(pg_engine, name=f"t{i}", business=f"b{i}", schedule_kind="cron", cron="0 0 1 1 *") for i in range(30)]
    with pg_engine.begin() as c:
        c.execute(update(T.triggers).values(next_fire_at=utcnow() - timedelta(seconds=1)))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.time() + 1.5
    procs = [subprocess.Popen([sys.executable, "-c", _FIRE_LOOP, pg_url, str(start)], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e.decode() for _, e in outs]
    fired = [int(o.decode().strip()) for o, _ in outs]
    assert sum(fired) == len(tids)
    per_task = Counter(r.task_id for r in _runs(pg_engine))
    assert per_task == dict.fromkeys(tids, 1)


def test_a_run_whose_source_fails_is_marked_failed_with_the_reason(engine):
    from runtime.campaigns.sources import SourceError

    tid = running_task(engine)
    fire_due(engine)

    def broken(task, errors):
        raise SourceError("postgresql query failed: connection refused")

    (stats,) = load_pending_runs(engine, "n", broken).values()
    assert stats.total == 0
    (run,) = progress(engine, tid).runs
    assert run["state"] == "failed" and "connection refused" in run["error"]


def test_task_list_filters(engine):
    from runtime.campaigns.tasks import list_tasks

    a = running_task(engine, name="流量包 march")
    b = running_task(engine, name="宽带续费", business="bb")
    fire_due(engine)  # both once-tasks fire now
    now = utcnow()
    assert [t.id for t in list_tasks(engine, name="流量")] == [a]
    assert {t.id for t in list_tasks(engine, ran_from=now - timedelta(minutes=1))} == {a, b}
    assert list_tasks(engine, ran_to=now - timedelta(minutes=1)) == []
    assert list_tasks(engine, created_from=now + timedelta(minutes=1)) == []
    assert [t.id for t in list_tasks(engine, script="s1")] == [b, a]
