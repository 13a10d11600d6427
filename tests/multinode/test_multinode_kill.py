"""Three runtime processes share one campaign on PostgreSQL; one is killed with SIGKILL mid-campaign.

The nodes run with a lease of 3 s (``--lease 3``, the crash test's launcher): the dead node's
claims must be taken over by the others within lease + one heartbeat round; calls it had up
are marked interrupted; no number is dialled beyond the redial policy and none is lost.
"""

from __future__ import annotations

import signal
import time
from collections import Counter

import pytest
from sqlalchemy import func, select
from test_campaigns_crash import _node

from huashu.core.db import init_db, make_engine
from runtime.campaigns import tables as T
from runtime.campaigns.loading import add_numbers
from tests.support.nodes import kill_9
from tests.support.scripts import rows, running_task

LEASE_S = 3.0  # what _node passes as --lease
TAKEOVER_LIMIT_S = LEASE_S + 7.0  # lease expiry + the survivors' recovery round, with room for a busy machine


@pytest.mark.postgres
@pytest.mark.slow
def test_three_nodes_kill_one_mid_campaign(mn_pg_url):
    engine = make_engine(mn_pg_url)
    init_db(engine)
    tid = running_task(engine, redial_count=1, redial_interval_s=0, redial_outcomes="no_answer",
                       max_concurrent=24, calls_per_second=300)
    phones = [f"139200{i:05d}" for i in range(150)]
    add_numbers(engine, tid, rows(phones))

    nodes = {n: _node(mn_pg_url, n, 0.4, once=False) for n in ("mn-a", "mn-b", "mn-c")}
    try:
        deadline = time.time() + 40
        with engine.connect() as c:
            while time.time() < deadline:
                per_node = dict(c.execute(select(T.attempts.c.node_id, func.count())
                                          .where(T.attempts.c.state == "up").group_by(T.attempts.c.node_id)).all())
                ended = c.execute(select(func.count()).where(T.attempts.c.state == "ended")).scalar_one()
                c.rollback()
                if per_node.get("mn-b", 0) >= 2 and ended >= 15 and len(per_node) >= 2:
                    break
                time.sleep(0.05)
        killed_at, were_up = kill_9(engine, nodes["mn-b"], "mn-b")
        assert were_up, "the kill should land while mn-b has calls up"

        # the survivors take over mn-b's leases and finish the campaign
        taken_over_after = None
        deadline = time.time() + 60
        with engine.connect() as c:
            while time.time() < deadline:
                held = c.execute(select(func.count()).where(T.jobs.c.lease_node == "mn-b",
                                                            T.jobs.c.state.in_(("claimed", "dialing")))).scalar_one()
                if held == 0 and taken_over_after is None:
                    taken_over_after = time.time() - killed_at
                open_jobs = c.execute(select(func.count()).where(T.jobs.c.state != "done",
                                                                 T.jobs.c.state != "dropped")).scalar_one()
                c.rollback()
                if open_jobs == 0 and taken_over_after is not None:
                    break
                time.sleep(0.1)
        assert taken_over_after is not None and taken_over_after <= TAKEOVER_LIMIT_S, taken_over_after
    finally:
        for p in nodes.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in nodes.values():
            p.communicate(timeout=30)

    with engine.connect() as c:
        attempts = c.execute(select(T.attempts.c.id, T.attempts.c.phone, T.attempts.c.state, T.attempts.c.outcome,
                                    T.attempts.c.node_id)).all()
        jobs = c.execute(select(T.jobs.c.phone, T.jobs.c.state)).all()
    engine.dispose()
    # nothing lost: every number has a finished job
    assert sorted(j.phone for j in jobs) == sorted(f"+86{p}" for p in phones)
    assert {j.state for j in jobs} == {"done"}
    # the calls mn-b had up are marked interrupted, and only those
    assert {a.id for a in attempts if a.state == "interrupted"} == were_up
    assert all(a.outcome == "interrupted" for a in attempts if a.id in were_up)
    # all three nodes dialled; none beyond the policy (two tries only for no_answer: last digit 4)
    assert {a.node_id for a in attempts} == {"mn-a", "mn-b", "mn-c"}
    per_phone = Counter(a.phone for a in attempts)
    for p in phones:
        assert 1 <= per_phone[f"+86{p}"] <= (2 if p.endswith("4") else 1), p
