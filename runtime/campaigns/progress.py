"""Live progress of a task, read from the database by any process (CLI, web, API)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from runtime.campaigns import tables as T
from runtime.campaigns.clock import utcnow

__all__ = ["Progress", "progress", "idle_reasons"]


@dataclass
class Progress:
    task_id: int
    total: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    dropped_by_reason: dict[str, int] = field(default_factory=dict)
    attempts: int = 0
    attempts_by_outcome: dict[str, int] = field(default_factory=dict)
    calls_up: int = 0
    connected_numbers: int = 0
    #: the task's runs (one per trigger fire or number upload), with a failed load's error
    runs: list[dict[str, Any]] = field(default_factory=list)
    #: "run N: message" of the newest failed run, so lists and pages can show why nothing was dialled
    last_error: str | None = None

    @property
    def finished(self) -> int:
        return self.by_state.get("done", 0) + self.by_state.get("dropped", 0)

    @property
    def connect_rate(self) -> float:
        """Connected attempts over finished attempts (the paper's 接通率)."""
        ended = sum(v for k, v in self.attempts_by_outcome.items() if k)
        return self.attempts_by_outcome.get("connected", 0) / ended if ended else 0.0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["finished"] = self.finished
        d["connect_rate"] = round(self.connect_rate, 4)
        return d


def progress(engine: Engine, task_id: int) -> Progress:
    j, a = T.jobs, T.attempts
    p = Progress(task_id)
    with engine.connect() as conn:
        for state, n in conn.execute(select(j.c.state, func.count()).where(j.c.task_id == task_id).group_by(j.c.state)):
            p.by_state[state] = int(n)
        for reason, n in conn.execute(
            select(j.c.drop_reason, func.count()).where(j.c.task_id == task_id, j.c.state == "dropped").group_by(j.c.drop_reason)
        ):
            p.dropped_by_reason[reason or "unknown"] = int(n)
        for outcome, state, n in conn.execute(
            select(a.c.outcome, a.c.state, func.count()).where(a.c.task_id == task_id).group_by(a.c.outcome, a.c.state)
        ):
            p.attempts += int(n)
            if state == "up":
                p.calls_up += int(n)
            else:
                p.attempts_by_outcome[outcome or "unknown"] = p.attempts_by_outcome.get(outcome or "unknown", 0) + int(n)
        p.connected_numbers = int(conn.execute(
            select(func.count(func.distinct(a.c.job_id))).where(a.c.task_id == task_id, a.c.outcome == "connected")
        ).scalar_one())
        r = T.runs
        p.runs = [dict(row._mapping) | {"fired_at": row.fired_at.isoformat()} for row in conn.execute(
            select(r.c.id, r.c.fired_at, r.c.state, r.c.total, r.c.queued, r.c.dropped, r.c.error)
            .where(r.c.task_id == task_id).order_by(r.c.id.desc()).limit(20))]
        failed = conn.execute(select(r.c.id, r.c.error).where(r.c.task_id == task_id, r.c.state == "failed")
                              .order_by(r.c.id.desc()).limit(1)).first()
        if failed is not None:
            p.last_error = f"run {failed.id}: {failed.error or 'failed without a message'}"
    p.total = sum(p.by_state.values())
    return p


def _when(dt: Any) -> str:
    """A stored UTC time for a message (SQLite hands it back without its zone)."""
    return f"{dt:%Y-%m-%d %H:%M} UTC" if dt is not None else "?"


def idle_reasons(engine: Engine, since: datetime | None = None) -> list[str]:
    """Why numbers are not being dialled right now, one line per cause: no running task, a paused
    task holding numbers, numbers deferred to the calling window, a run that is not due yet, a
    run that failed; ``since``: also tasks that failed from that time on. For ``runtime run --once``,
    whose "0 calls started" alone leaves the operator guessing."""
    tk, j, tr, r = T.tasks, T.jobs, T.triggers, T.runs
    now = utcnow()
    out: list[str] = []
    with engine.connect() as conn:
        tasks = conn.execute(select(tk.c.id, tk.c.name, tk.c.status, tk.c.updated_at)
                             .where(tk.c.status.in_(("running", "paused", "failed"))).order_by(tk.c.id)).all()
        for t in tasks:
            label = f"task {t.id} ({t.name})"
            queued = conn.execute(select(func.count(), func.min(j.c.not_before))
                                  .where(j.c.task_id == t.id, j.c.state == "queued", j.c.not_before > now)).one()
            open_now = int(conn.execute(select(func.count()).where(
                j.c.task_id == t.id, j.c.state == "queued", (j.c.not_before.is_(None)) | (j.c.not_before <= now))).scalar_one())
            failed = conn.execute(select(r.c.id, r.c.error).where(r.c.task_id == t.id, r.c.state == "failed")
                                  .order_by(r.c.id.desc()).limit(1)).first()
            if t.status == "failed":
                if since is not None and t.updated_at is not None and _aware(t.updated_at) >= since:
                    out.append(f"{label} failed: run {failed.id if failed else '?'}: {failed.error if failed else 'no message'}")
                continue
            if t.status == "paused":
                n = open_now + int(queued[0])
                out.append(f"{label} is paused" + (f" with {n} numbers queued" if n else "") + f" (`huashu campaign start {t.id}`)")
                continue
            if queued[0]:
                out.append(f"{label}: {queued[0]} numbers wait for the calling window (first from {_when(queued[1])})")
            nxt = conn.execute(select(tr.c.next_fire_at).where(tr.c.task_id == t.id, tr.c.next_fire_at > now)).scalar()
            if nxt is not None:
                out.append(f"{label}: next run due at {_when(nxt)}")
            if failed is not None:
                out.append(f"{label}: run {failed.id} failed: {failed.error}")
            if not (queued[0] or nxt is not None or failed is not None or open_now):
                out.append(f"{label}: nothing left to dial")
    if not any(t.status == "running" for t in tasks):
        out.insert(0, "no running task (start one with `huashu campaign start ID`)")
    return out


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)
