"""Exactly-once dialling: atomic claims with leases, the attempt row before the call, recovery.

A job moves ``queued -> claimed -> dialing -> done`` (or back to ``queued`` for a redial or
the secondary number). Every move is a conditional UPDATE that names the state (and the
lease holder) it expects, so two nodes can never both move the same job:

* claim: on PostgreSQL ``SELECT ... LIMIT n FOR UPDATE SKIP LOCKED`` then ``UPDATE`` those
  rows in the same transaction; on SQLite ``UPDATE ... WHERE id IN (SELECT ... LIMIT n) AND
  state='queued' RETURNING ...`` — SQLite serialises writers and re-checks the state under
  its write lock;
* dial: the job becomes ``dialing`` and a ``CallAttempt`` row in state ``up`` is committed
  *before* the driver is asked to place the call;
* recovery: a job whose lease ran out (or that belonged to this node before a restart) goes
  back to ``queued`` if it was only claimed — no call was placed — or, if it was dialing,
  its attempt is marked ``interrupted`` and the redial policy decides what follows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine

from runtime.campaigns import tables as T
from runtime.campaigns.blacklist import add_in
from runtime.campaigns.clock import utcnow
from runtime.campaigns.compliance import screen_one_number
from runtime.campaigns.optout import record_opt_out
from runtime.campaigns.policy import RedialPolicy, next_step, parse_outcomes
from runtime.campaigns.queue import number_context
from runtime.campaigns.sms.rules import enqueue_in, facts_of, variables_of

__all__ = ["Claimed", "CallReport", "claim", "start_attempt", "finish_attempt", "heartbeat", "recover", "policy_of"]


@dataclass(frozen=True, slots=True)
class Claimed:
    job_id: int
    task_id: int
    phone: str
    leg: str
    attempts: int
    phone2: str | None
    customer_id: str | None
    name: str | None
    variables: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallReport:
    """What a call runner reports back; ``outcome`` is a :class:`telephony.outcomes.Outcome` value."""

    outcome: str
    cause: str | None = None
    ring_ms: int = 0
    talk_ms: int = 0
    recording: str | None = None
    intent: str | None = None
    opt_out: bool = False
    record: dict[str, Any] | None = None


def policy_of(task: Any) -> RedialPolicy:
    return RedialPolicy(
        count=int(task.redial_count),
        interval_s=int(task.redial_interval_s),
        outcomes=parse_outcomes(task.redial_outcomes),
        call_secondary=bool(task.call_secondary),
    )


def claim(engine: Engine, node_id: str, task_id: int, limit: int, lease_s: float = 60, now: datetime | None = None) -> list[Claimed]:
    """Take up to ``limit`` due jobs of one task for this node."""
    if limit <= 0:
        return []
    now = now or utcnow()
    j = T.jobs
    sub = (
        select(j.c.id)
        .where(j.c.task_id == task_id, j.c.state == "queued", or_(j.c.not_before.is_(None), j.c.not_before <= now))
        .order_by(j.c.id)
        .limit(limit)
    )
    returning = (j.c.id, j.c.task_id, j.c.dial_phone, j.c.leg, j.c.attempts, j.c.phone2, j.c.customer_id, j.c.name, j.c.variables)
    values = {"state": "claimed", "lease_node": node_id, "lease_until": now + timedelta(seconds=lease_s)}
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # lock first, then update exactly those rows: a LIMIT subquery inside IN (...) may be
            # re-evaluated by the planner and hand back more than ``limit`` rows
            ids = conn.execute(sub.with_for_update(skip_locked=True)).scalars().all()
            if not ids:
                return []
            where = j.c.id.in_(ids)
        else:
            where = j.c.id.in_(sub.scalar_subquery())
        rows = conn.execute(update(j).where(where, j.c.state == "queued").values(**values).returning(*returning)).all()
    out = [
        Claimed(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], json.loads(r[8] or "{}"))
        for r in rows
    ]
    out.sort(key=lambda c: c.job_id)
    return out


def start_attempt(engine: Engine, job: Claimed, node_id: str, now: datetime | None = None) -> int | None:
    """Mark the job dialing and write the attempt row; None when the lease is no longer ours
    or the number got blacklisted since it was queued (then the job is closed with that reason)."""
    now = now or utcnow()
    j, a = T.jobs, T.attempts
    with engine.begin() as conn:
        g, t = load_sets_for(conn, job.task_id, job.phone)
        if g or t:
            conn.execute(
                update(j).where(j.c.id == job.job_id, j.c.state == "claimed", j.c.lease_node == node_id)
                .values(state="dropped", drop_reason="blacklisted" if g else "blacklisted_task",
                        drop_message=f"{job.phone} was blacklisted after it was queued", lease_node=None, lease_until=None)
            )
            return None
        res = conn.execute(
            update(j)
            .where(j.c.id == job.job_id, j.c.state == "claimed", j.c.lease_node == node_id)
            .values(state="dialing", attempts=j.c.attempts + 1)
        )
        if res.rowcount != 1:
            return None
        r = conn.execute(
            insert(a).values(
                job_id=job.job_id, task_id=job.task_id, phone=job.phone, leg=job.leg, node_id=node_id,
                state="up", started_at=now, ring_ms=0, talk_ms=0, opt_out=False,
            ).returning(a.c.id)
        ).one()
        return int(r[0])


def load_sets_for(conn: Connection, task_id: int, phone: str) -> tuple[bool, bool]:
    b = T.blacklist
    rows = conn.execute(select(b.c.task_id).where(b.c.phone == phone, b.c.task_id.in_([0, task_id]))).scalars().all()
    return (0 in rows), any(r != 0 for r in rows)


def requeue(engine: Engine, job: Claimed, node_id: str, not_before: datetime | None, note: str) -> None:
    """Give a claimed (not dialled) job back, e.g. when its calling window closed meanwhile."""
    j = T.jobs
    with engine.begin() as conn:
        conn.execute(
            update(j).where(j.c.id == job.job_id, j.c.state == "claimed", j.c.lease_node == node_id)
            .values(state="queued", lease_node=None, lease_until=None, not_before=not_before, note=note)
        )


def _apply_next(conn: Connection, job_id: int, task: Any, outcome: str, now: datetime, region: str) -> None:
    j = T.jobs
    row = conn.execute(select(j.c.leg, j.c.attempts, j.c.phone2, j.c.dial_phone).where(j.c.id == job_id)).one()
    leg, attempts, phone2, dial_phone = row
    step = next_step(policy_of(task), leg, int(attempts), outcome, phone2, now)
    base = {"lease_node": None, "lease_until": None, "last_outcome": outcome}
    if step.action == "redial":
        conn.execute(update(j).where(j.c.id == job_id).values(state="queued", not_before=step.not_before, **base))
        return
    if step.action == "secondary" and step.phone:
        # the same screen as a primary, in the same order: blacklists, same business, caps
        blocked = screen_one_number(step.phone, number_context(conn, task, step.phone, region, now))
        if blocked is None:
            conn.execute(update(j).where(j.c.id == job_id).values(
                state="queued", leg="secondary", dial_phone=step.phone, attempts=0, not_before=None, **base))
            return
        conn.execute(update(j).where(j.c.id == job_id).values(
            state="done", note=f"secondary number not called: {blocked[1]} ({blocked[0]})", **base))
        return
    conn.execute(update(j).where(j.c.id == job_id).values(state="done", **base))


def finish_attempt(
    engine: Engine, attempt_id: int, job: Claimed, report: CallReport, task: Any, node_id: str,
    region: str = "CN", now: datetime | None = None,
) -> None:
    """Store the result, blacklist an opt-out at once, and move the job on by the redial policy."""
    now = now or utcnow()
    j, a = T.jobs, T.attempts
    with engine.begin() as conn:
        conn.execute(
            update(a).where(a.c.id == attempt_id).values(
                state="ended", outcome=report.outcome, cause=report.cause, ended_at=now, ring_ms=report.ring_ms,
                talk_ms=report.talk_ms, recording=report.recording, intent=report.intent, opt_out=report.opt_out,
                record=json.dumps(report.record, ensure_ascii=False, default=str) if report.record is not None else None,
            )
        )
        if report.opt_out:
            record_opt_out(conn, job.phone, "call", f"attempt {attempt_id}", at=now)
        if report.outcome == "announcement_invalid":  # the operator said so: no later campaign dials it
            add_in(conn, job.phone, 0, reason="invalid_number", source=f"attempt {attempt_id}: operator announcement")
        # SMS follow-ups commit with the outcome (outbox): never lost, never queued twice
        enqueue_in(conn, task_id=job.task_id, attempt_id=attempt_id, phone=job.phone,
                   facts=facts_of(report.outcome, report.intent, report.record, job.attempts + 1),
                   variables=variables_of(job.variables, job.name, job.customer_id), now=now)
        owned = conn.execute(
            select(j.c.id).where(j.c.id == job.job_id, j.c.state == "dialing", j.c.lease_node == node_id)
        ).first()
        if owned is None:  # recovered by another node meanwhile: it already applied the policy
            return
        _apply_next(conn, job.job_id, task, report.outcome, now, region)


def heartbeat(engine: Engine, node_id: str, lease_s: float = 60, now: datetime | None = None) -> int:
    now = now or utcnow()
    j = T.jobs
    with engine.begin() as conn:
        res = conn.execute(
            update(j).where(j.c.lease_node == node_id, j.c.state.in_(("claimed", "dialing")))
            .values(lease_until=now + timedelta(seconds=lease_s))
        )
        return int(res.rowcount)


def recover(engine: Engine, node_id: str | None = None, region: str = "CN", now: datetime | None = None) -> tuple[int, int]:
    """Requeue claimed jobs whose lease expired (or that ``node_id`` held before it restarted),
    and mark calls that were up on them ``interrupted``. Returns (requeued, interrupted)."""
    now = now or utcnow()
    j, a = T.jobs, T.attempts
    stale = and_(j.c.state.in_(("claimed", "dialing")), or_(j.c.lease_until < now, j.c.lease_node == node_id) if node_id else j.c.lease_until < now)
    requeued = interrupted = 0
    with engine.connect() as conn:
        candidates = conn.execute(select(j.c.id, j.c.state, j.c.lease_node, j.c.task_id).where(stale)).all()
    for job_id, state, holder, task_id in candidates:
        with engine.begin() as conn:
            if state == "claimed":
                res = conn.execute(update(j).where(j.c.id == job_id, j.c.state == "claimed", j.c.lease_node == holder)
                                   .values(state="queued", lease_node=None, lease_until=None))
                requeued += res.rowcount
                continue
            res = conn.execute(update(j).where(j.c.id == job_id, j.c.state == "dialing", j.c.lease_node == holder)
                               .values(lease_node=f"recovering:{holder}"))
            if res.rowcount != 1:
                continue
            conn.execute(update(a).where(a.c.job_id == job_id, a.c.state == "up")
                         .values(state="interrupted", outcome="interrupted", ended_at=now, cause="runtime_lost"))
            task = conn.execute(select(T.tasks).where(T.tasks.c.id == task_id)).one()
            _apply_next(conn, job_id, task, "interrupted", now, region)
            interrupted += 1
    return requeued, interrupted
