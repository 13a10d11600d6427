"""Three ``huashu runtime run`` processes share the demo campaign on the simulator (PostgreSQL); one is
killed with SIGKILL. Outcomes come from the simulator, so the redial policy is checked per number
from its attempts: only the last attempt may have an outcome outside the redialled ones."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from huashu.core.db import init_db, make_engine
from huashu.demo.audience import build_audience, customer_rows
from huashu.demo.library import ensure_approved, ensure_library
from huashu.demo.task import demo_spec
from runtime.campaigns import tables as T
from runtime.campaigns.loading import add_numbers
from runtime.campaigns.scripts import store_resolver
from runtime.campaigns.tasks import create_task, set_status
from tests.support.nodes import kill_9

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LEASE_S = 3.0
REDIAL = {"no_answer", "busy", "cancelled"}


def _sim_node(url: str, node_id: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=f"{HERE}{os.pathsep}{ROOT}", MN_CALL_HOLD="0.4")
    return subprocess.Popen([sys.executable, "-m", "huashu", "runtime", "run", "--db", url, "--node-id", node_id,
                             "--runner", "mn_sim_runner:make", "--lease", str(LEASE_S), "--json"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.postgres
@pytest.mark.slow
def test_simulator_campaign_survives_a_killed_node(mn_pg_url):
    engine = make_engine(mn_pg_url)
    init_db(engine)
    ensure_library(engine)
    version = ensure_approved(engine, "mobile-semi-suspension-recharge")
    task = create_task(engine, replace(demo_spec(version), redial_interval_s=0, max_concurrent=24, calls_per_second=300))
    assert task.id is not None
    numbers = customer_rows(build_audience(1500, 7, "mn", 0.0))[:100]
    add_numbers(engine, task.id, numbers)
    set_status(engine, task.id, "start", store_resolver(engine))

    nodes = {n: _sim_node(mn_pg_url, n) for n in ("sim-a", "sim-b", "sim-c")}
    try:
        deadline = time.time() + 40
        with engine.connect() as c:
            while time.time() < deadline:
                b_up = c.execute(select(func.count()).where(T.attempts.c.state == "up",
                                                            T.attempts.c.node_id == "sim-b")).scalar_one()
                ended = c.execute(select(func.count()).where(T.attempts.c.state == "ended")).scalar_one()
                c.rollback()
                if b_up >= 2 and ended >= 10:
                    break
                time.sleep(0.05)
        killed_at, were_up = kill_9(engine, nodes["sim-b"], "sim-b")
        assert were_up
        takeover = None
        deadline = time.time() + 60
        with engine.connect() as c:
            while time.time() < deadline:
                held = c.execute(select(func.count()).where(T.jobs.c.lease_node == "sim-b",
                                                            T.jobs.c.state.in_(("claimed", "dialing")))).scalar_one()
                takeover = takeover if takeover is not None or held else time.time() - killed_at
                left = c.execute(select(func.count()).where(T.jobs.c.state.not_in(("done", "dropped")))).scalar_one()
                c.rollback()
                if left == 0 and takeover is not None:
                    break
                time.sleep(0.1)
        assert takeover is not None and takeover <= LEASE_S + 7.0, takeover
    finally:
        for p in nodes.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in nodes.values():
            p.communicate(timeout=30)

    with engine.connect() as c:
        attempts = c.execute(select(T.attempts.c.id, T.attempts.c.job_id, T.attempts.c.state, T.attempts.c.outcome)
                             .order_by(T.attempts.c.id)).all()
        jobs = c.execute(select(T.jobs.c.id, T.jobs.c.phone, T.jobs.c.state, T.jobs.c.drop_reason)).all()
    engine.dispose()
    assert len(jobs) == len(numbers) and all(j.state in ("done", "dropped") for j in jobs)  # none lost
    assert all(j.drop_reason not in ("task_stopped", "task_deleted") for j in jobs if j.state == "dropped")
    assert {a.id for a in attempts if a.state == "interrupted"} == were_up
    by_job: dict[int, list[str]] = defaultdict(list)
    for a in attempts:
        by_job[a.job_id].append(a.outcome)
    dialled = {j.id for j in jobs if j.state == "done"}
    assert set(by_job) == dialled  # every done number was dialled, no dropped one was
    for outs in by_job.values():
        assert len(outs) <= 3, outs  # redial_count 2
        assert all(o in REDIAL for o in outs[:-1]), outs  # a redial only after a redialled outcome
