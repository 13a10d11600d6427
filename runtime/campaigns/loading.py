"""Turning a run into dial jobs: claim the run, read its source, screen and store in one transaction.

Also the direct path (:func:`add_numbers`): numbers handed over by the CLI or the REST API
become a run of their own, screened the same way. Whatever the source (a data source, a saved
audience, numbers handed over), the hold-out control group is dropped and best-time tasks get
each number's slot here, in one place.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sized
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from huashu.core.errors import Conflict
from runtime.campaigns import tables as T
from runtime.campaigns.audience_source import audience_rows
from runtime.campaigns.best_time import slot_chooser
from runtime.campaigns.clock import utcnow
from runtime.campaigns.compliance import ScreenContext
from runtime.campaigns.holdout import mark_held_out, read_policy
from runtime.campaigns.mapping import ColumnMapping, CustomerRow, MappingError, SourceRow
from runtime.campaigns.models import CallTask, DataSource
from runtime.campaigns.queue import LoadStats, build_context, write_verdicts
from runtime.campaigns.screening import paused_gc
from runtime.campaigns.secrets import DecryptError, SecretBox
from runtime.campaigns.sources import SourceError, fetch_rows, spec_from_record
from runtime.campaigns.sqlguard import UnsafeQuery
from runtime.campaigns.uploads import RowError, UploadError
from runtime.campaigns.windows import parse_windows

__all__ = ["add_numbers", "load_pending_runs", "load_run", "RowsFn"]

_log = logging.getLogger(__name__)

#: Reads a task's customer rows; bad rows go to the list given. Replaceable in tests.
RowsFn = Callable[[CallTask, list[RowError]], Iterable[SourceRow]]


def source_rows(engine: Engine, box: SecretBox | None = None) -> RowsFn:
    def rows(task: CallTask, errors: list[RowError]) -> Iterable[SourceRow]:
        if task.source_id is None:
            return []
        with Session(engine) as s:
            rec = s.get(DataSource, task.source_id)
        if rec is None:
            raise SourceError(f"task {task.id}: data source {task.source_id} no longer exists")
        spec = spec_from_record(rec, box or SecretBox())
        return fetch_rows(spec, task.query, json.loads(task.query_params or "{}"), errors)

    return rows


def _bad_rows(conn: Connection, task: CallTask, run_id: int, errors: list[RowError], now: datetime) -> None:
    if not errors:
        return
    conn.execute(insert(T.jobs), [
        {"task_id": task.id, "run_id": run_id, "business": task.business, "row_no": e.row_no, "state": "dropped",
         "drop_reason": "bad_row", "drop_message": str(e), "variables": "{}", "leg": "primary", "attempts": 0,
         "created_at": now}
        for e in errors
    ])
    conn.execute(update(T.runs).where(T.runs.c.id == run_id).values(dropped=T.runs.c.dropped + len(errors), total=T.runs.c.total + len(errors)))


def _screen_inputs(conn: Connection, ctx: ScreenContext, rows: Iterable[CustomerRow], chooser: Any) -> Iterable[CustomerRow]:
    """Attach what every source shares: the control group (filled as rows stream) and best time."""
    ctx.best_slots = chooser
    return mark_held_out(rows, read_policy(conn), ctx.held_out)


def _chooser(task: CallTask, best_times: Path | None) -> Any:
    """The best-time slot function of a best-time task (None: none saved, or not such a task)."""
    return slot_chooser(best_times, parse_windows(task.windows)) if task.best_time else None


def _task(conn: Connection, task_id: int) -> CallTask:
    row = conn.execute(select(T.tasks).where(T.tasks.c.id == task_id)).one()
    return CallTask(**dict(row._mapping))


def add_numbers(
    engine: Engine, task_id: int, rows: Iterable[CustomerRow], region: str = "CN",
    progress: Callable[[int], None] | None = None, errors: list[RowError] | None = None,
    best_times: Path | None = None,
) -> tuple[int, LoadStats]:
    """Screen ``rows`` into a new run of the task; returns (run id, stats). ``best_times``: the
    rates file of a best-time task (default ``<data_dir>/best_times.json``)."""
    now = utcnow()
    with engine.begin() as conn:
        task = _task(conn, task_id)
        if task.status in ("deleted", "completed"):
            raise Conflict(f"task {task_id} is {task.status}; numbers cannot be added")
        chooser = _chooser(task, best_times)
        run_id = int(conn.execute(insert(T.runs).values(task_id=task_id, fired_at=now, state="loaded", total=0, queued=0, dropped=0)
                                  .returning(T.runs.c.id)).one()[0])
        ctx = build_context(conn, task, region, now)
        stats = write_verdicts(conn, task, run_id, _screen_inputs(conn, ctx, rows, chooser), ctx, progress,
                               size_hint=len(rows) if isinstance(rows, Sized) else None)
        _bad_rows(conn, task, run_id, errors or [], now)
    return run_id, stats


def load_run(engine: Engine, run_id: int, node_id: str, rows_fn: RowsFn, region: str = "CN", lease_s: float = 300,
             best_times: Path | None = None) -> LoadStats | None:
    """Claim a pending (or abandoned) run and load it; None when another node has it.

    A task bound to an audience reads its members as they are now (a refreshed rule audience
    gives its new members to the next run); any other task reads ``rows_fn``."""
    now = utcnow()
    r = T.runs
    with engine.begin() as conn:
        res = conn.execute(
            update(r).where(r.c.id == run_id, (r.c.state == "pending") | ((r.c.state == "loading") & (r.c.lease_until < now)))
            .values(state="loading", lease_node=node_id, lease_until=now + timedelta(seconds=lease_s))
        )
        if res.rowcount != 1:
            return None
        task = _task(conn, int(conn.execute(select(r.c.task_id).where(r.c.id == run_id)).scalar_one()))
    errors: list[RowError] = []
    try:
        if task.audience_id is not None:
            rows = audience_rows(engine, task.audience_id)
        else:
            mapping = ColumnMapping.from_dict(json.loads(task.mapping or "{}"))
            with paused_gc():  # a million source rows, none of them in a cycle
                rows = list(mapping.apply(rows_fn(task, errors)))
        chooser = _chooser(task, best_times)
    except (SourceError, MappingError, UploadError, UnsafeQuery, DecryptError, ValueError) as e:
        with engine.begin() as conn:
            conn.execute(update(r).where(r.c.id == run_id, r.c.lease_node == node_id).values(state="failed", error=str(e)))
        # also in the node's log: an operator watching `runtime run` sees why nothing is dialled
        _log.warning("run %s of task %s failed: %s", run_id, task.id, e)
        return LoadStats()
    with engine.begin() as conn:
        ctx = build_context(conn, task, region)
        stats = write_verdicts(conn, task, run_id, _screen_inputs(conn, ctx, rows, chooser), ctx,
                               size_hint=len(rows) if isinstance(rows, Sized) else None)
        _bad_rows(conn, task, run_id, errors, ctx.now_utc)
        done = conn.execute(update(r).where(r.c.id == run_id, r.c.lease_node == node_id, r.c.state == "loading")
                            .values(state="loaded", lease_node=None, lease_until=None))
        if done.rowcount != 1:  # our lease was taken over: undo everything
            raise _LostLease()
    return stats


class _LostLease(Exception):
    pass


def load_pending_runs(engine: Engine, node_id: str, rows_fn: RowsFn, region: str = "CN",
                      best_times: Path | None = None) -> dict[int, Any]:
    now = utcnow()
    r = T.runs
    with engine.connect() as conn:
        ids = conn.execute(select(r.c.id).where((r.c.state == "pending") | ((r.c.state == "loading") & (r.c.lease_until < now)))
                           .order_by(r.c.id)).scalars().all()
    out: dict[int, Any] = {}
    for run_id in ids:
        try:
            stats = load_run(engine, run_id, node_id, rows_fn, region, best_times=best_times)
        except _LostLease:
            continue
        if stats is not None:
            out[run_id] = stats
    return out
