"""Call rows for the sec-server tests, written straight into the campaign tables: a task, a job per
customer and one ended attempt each, with whatever hostile values a test wants in them (an
export test needs ``=HYPERLINK(...)`` as a name, a recording test a tampered ``recording``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from runtime.campaigns import tables as T

__all__ = ["seed_task", "seed_call"]


def seed_task(engine: Engine, name: str = "安全测试") -> int:
    from runtime.campaigns.tasks import TaskSpec, create_task

    t = create_task(engine, TaskSpec(name=name, business="sec", script_id="sec-script", script_version=1, windows=""))
    assert t.id is not None
    return int(t.id)


def seed_call(engine: Engine, task_id: int, *, phone: str = "+8613900000001", name: str | None = "张三",
              customer_id: str | None = "c1", intent: str | None = None, cause: str | None = "NORMAL_CLEARING",
              recording: str | None = None, **attempt: Any) -> int:
    """One dialled customer; returns the attempt id."""
    now = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    with engine.begin() as c:
        job_id = c.execute(insert(T.jobs).values(
            task_id=task_id, run_id=0, business="sec", row_no=1, customer_id=customer_id, name=name, phone=phone,
            phone_raw=phone, state="done", created_at=now)).inserted_primary_key[0]  # type: ignore[index]
        values = {"job_id": job_id, "task_id": task_id, "phone": phone, "node_id": "sec", "state": "ended",
                  "outcome": "connected", "cause": cause, "started_at": now, "ended_at": now, "ring_ms": 3000,
                  "talk_ms": 20000, "intent": intent, "recording": recording, **attempt}
        attempt_id = c.execute(insert(T.attempts).values(**values)).inserted_primary_key[0]  # type: ignore[index]
    return int(attempt_id)
