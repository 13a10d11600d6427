"""Live progress of a task, read from the database by any process (CLI, web, API)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from runtime.campaigns import tables as T

__all__ = ["Progress", "progress"]


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
    p.total = sum(p.by_state.values())
    return p
