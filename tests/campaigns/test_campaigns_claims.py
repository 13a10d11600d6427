"""Claims and leases without a dialer: two nodes never share a job, expired leases come back."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from runtime.campaigns import tables as T
from runtime.campaigns.claims import CallReport, claim, finish_attempt, heartbeat, recover, start_attempt
from runtime.campaigns.clock import utcnow
from runtime.campaigns.loading import add_numbers
from runtime.campaigns.tasks import get_task
from tests.support.scripts import rows, running_task


def _states(engine):
    with engine.connect() as c:
        return dict(c.execute(select(T.jobs.c.id, T.jobs.c.state)).all())


def test_two_nodes_never_claim_the_same_job(engine):
    tid = running_task(engine)
    add_numbers(engine, tid, rows([f"1380000{i:03d}0" for i in range(50)]))
    a = claim(engine, "a", tid, 30)
    b = claim(engine, "b", tid, 30)
    assert len(a) == 30 and len(b) == 20
    assert not {j.job_id for j in a} & {j.job_id for j in b}
    assert claim(engine, "c", tid, 10) == []


def test_expired_lease_of_a_dead_node_is_recovered_by_another(engine):
    tid = running_task(engine, redial_count=0)
    add_numbers(engine, tid, rows(["13800000010", "13800000020", "13800000030"]))
    jobs = claim(engine, "dead", tid, 3, lease_s=5)
    attempt = start_attempt(engine, jobs[0], "dead")  # this call is up when the node dies
    assert attempt is not None
    assert recover(engine, None) == (0, 0)  # leases still valid: nothing to do
    later = utcnow() + timedelta(seconds=10)
    assert recover(engine, None, now=later) == (2, 1)
    st = _states(engine)
    assert st[jobs[0].job_id] == "done" and st[jobs[1].job_id] == "queued" and st[jobs[2].job_id] == "queued"
    with engine.connect() as c:
        a = c.execute(select(T.attempts.c.state, T.attempts.c.outcome)).one()
    assert tuple(a) == ("interrupted", "interrupted")
    # the dead node's late report changes the attempt row only, never the recovered job
    finish_attempt(engine, attempt, jobs[0], CallReport("no_answer"), get_task(engine, tid), "dead")
    assert _states(engine)[jobs[0].job_id] == "done"


def test_heartbeat_keeps_a_lease_alive(engine):
    tid = running_task(engine)
    add_numbers(engine, tid, rows(["13800000010"]))
    (job,) = claim(engine, "n", tid, 1, lease_s=5)
    assert heartbeat(engine, "n", lease_s=60) == 1
    assert recover(engine, None, now=utcnow() + timedelta(seconds=30)) == (0, 0)


def test_redial_waits_for_its_interval(engine):
    tid = running_task(engine, redial_count=2, redial_interval_s=600, redial_outcomes="no_answer")
    add_numbers(engine, tid, rows(["13800000014"]))
    (job,) = claim(engine, "n", tid, 1)
    att = start_attempt(engine, job, "n")
    finish_attempt(engine, att, job, CallReport("no_answer"), get_task(engine, tid), "n")
    assert claim(engine, "n", tid, 1) == []
    (again,) = claim(engine, "n", tid, 1, now=utcnow() + timedelta(seconds=601))
    assert again.job_id == job.job_id and again.attempts == 1


def test_number_blacklisted_after_queueing_is_not_dialled(engine):
    from runtime.campaigns import blacklist

    tid = running_task(engine)
    add_numbers(engine, tid, rows(["13800000010"]))
    (job,) = claim(engine, "n", tid, 1)
    blacklist.add(engine, "13800000010", reason="complaint")
    assert start_attempt(engine, job, "n") is None
    with engine.connect() as c:
        r = c.execute(select(T.jobs.c.state, T.jobs.c.drop_reason)).one()
    assert tuple(r) == ("dropped", "blacklisted")
