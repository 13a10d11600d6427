"""The cron scheduler: triggers persisted with ``next_fire_at``, fired exactly once across nodes.

Firing is one conditional UPDATE — ``SET next_fire_at = <next> WHERE id = :id AND
next_fire_at = <the value we read>`` — in the same transaction as the new pending
:class:`~runtime.campaigns.models.TaskRun`. Whichever node's UPDATE lands first owns the
fire; on PostgreSQL a concurrent UPDATE waits for it, re-reads the row and matches nothing.
Misfires (the node was down past ``misfire_grace_s``): ``fire_once`` fires one run for all
missed times, ``skip`` fires none; both then move on to the next future time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from runtime.campaigns import tables as T
from runtime.campaigns.clock import utcnow
from runtime.campaigns.cronspec import CronError, next_fire

__all__ = ["Fire", "fire_due", "MISFIRE_POLICIES"]

MISFIRE_POLICIES = ("fire_once", "skip")

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Fire:
    trigger_id: int
    task_id: int
    due_at: datetime
    run_id: int | None  # None: skipped by the misfire policy


def fire_due(engine: Engine, now: datetime | None = None) -> list[Fire]:
    """Fire every due trigger of a running task that this call wins."""
    now = now or utcnow()
    tr, tk = T.triggers, T.tasks
    with engine.connect() as conn:
        due = conn.execute(
            select(tr.c.id, tr.c.task_id, tr.c.next_fire_at, tr.c.kind, tr.c.cron, tr.c.timezone, tr.c.misfire, tr.c.misfire_grace_s)
            .join(tk, tk.c.id == tr.c.task_id)
            .where(tk.c.status == "running", tr.c.next_fire_at.is_not(None), tr.c.next_fire_at <= now)
        ).all()
    fires: list[Fire] = []
    for tid, task_id, due_at, kind, cron, tz, misfire, grace in due:
        late = now - due_at > timedelta(seconds=grace or 0)
        fire = not (late and misfire == "skip")
        try:
            new_next = next_fire(cron, tz, now) if kind == "cron" and cron else None
        except CronError as e:  # no later fire time: this fire is the last, the node goes on
            _log.warning("task %s: %s; the trigger will not fire again", task_id, e)
            new_next = None
        with engine.begin() as conn:
            values: dict[str, object] = {"next_fire_at": new_next}
            if fire:
                values.update(last_fired_at=now, fire_count=tr.c.fire_count + 1)
            else:
                values.update(skipped=tr.c.skipped + 1)
            res = conn.execute(update(tr).where(tr.c.id == tid, tr.c.next_fire_at == due_at).values(**values))
            if res.rowcount != 1:
                continue
            run_id = None
            if fire:
                run_id = int(conn.execute(
                    insert(T.runs).values(task_id=task_id, fired_at=due_at, state="pending", total=0, queued=0, dropped=0)
                    .returning(T.runs.c.id)
                ).one()[0])
        fires.append(Fire(tid, task_id, due_at, run_id))
    return fires
