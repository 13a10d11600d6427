"""The task list as the operator sees it (the paper's figure 4): filters, progress, connect rate.

Reads through ``runtime.campaigns.tasks.list_tasks`` and ``runtime.campaigns.progress``; the
only SQL here is read-only: script names for the script filter and each task's execution
period (first to last call, or the planned start before any call).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from litestar.exceptions import NotFoundException
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from designer.store import ScriptRecord
from runtime.campaigns import tables as T
from runtime.campaigns.models import TASK_STATUSES, CallTask
from runtime.campaigns.progress import Progress, progress
from runtime.campaigns.tasks import get_task, list_tasks
from web.operator.filters import FilterError, Page, aware, day_end, parse_day, parse_page

__all__ = ["TaskFilter", "TaskRow", "TaskListing", "parse_task_filter", "task_listing", "task_row", "PAGE_SIZE"]

PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class TaskFilter:
    script: str = ""
    name: str = ""
    status: str = ""
    period_from: datetime | None = None
    period_to: datetime | None = None  # exclusive
    created_from: datetime | None = None
    created_to: datetime | None = None  # exclusive
    include_deleted: bool = False
    page: int = 1


def parse_task_filter(q: dict[str, str]) -> TaskFilter:
    """From the query string; raises :class:`FilterError` naming the bad field."""
    status = (q.get("status") or "").strip()
    if status and status not in TASK_STATUSES:
        raise FilterError(f"status: {status!r} is not one of {', '.join(TASK_STATUSES)}", key="not_status",
                          params={"field": "status", "value": repr(status)})
    return TaskFilter(
        script=(q.get("script") or "").strip(),
        name=(q.get("name") or "").strip(),
        status=status,
        period_from=parse_day(q.get("period_from"), "execution period from"),
        period_to=day_end(parse_day(q.get("period_to"), "execution period to")),
        created_from=parse_day(q.get("created_from"), "created from"),
        created_to=day_end(parse_day(q.get("created_to"), "created to")),
        include_deleted=(q.get("deleted") or "") in ("1", "on", "true") or status == "deleted",
        page=parse_page(q.get("page")),
    )


@dataclass
class TaskRow:
    task: CallTask
    script_name: str | None
    period_start: datetime | None
    period_end: datetime | None
    progress: Progress = field(default_factory=lambda: Progress(0))

    @property
    def percent(self) -> int:
        """Finished numbers over all numbers (dropped ones count: they are settled). A draft has
        not run: numbers handed to it before its start (the demo, ``add-numbers``) may already be
        dropped at intake, which is no progress of a run, so it shows 0."""
        p = self.progress
        if self.task.status == "draft":
            return 0
        return round(100 * p.finished / p.total) if p.total else 0

    @property
    def connect_percent(self) -> float:
        return round(100 * self.progress.connect_rate, 1)


@dataclass
class TaskListing:
    rows: list[TaskRow]
    page: Page


def _script_names(engine: Engine) -> dict[str, str]:
    t = ScriptRecord.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return {str(i): str(n) for i, n in conn.execute(select(t.c.id, t.c.name))}


def _periods(engine: Engine, task_ids: list[int]) -> dict[int, tuple[datetime | None, datetime | None]]:
    a = T.attempts
    out: dict[int, tuple[datetime | None, datetime | None]] = {}
    if not task_ids:
        return out
    q = select(a.c.task_id, func.min(a.c.started_at), func.max(func.coalesce(a.c.ended_at, a.c.started_at)))
    with engine.connect() as conn:
        for tid, first, last in conn.execute(q.where(a.c.task_id.in_(task_ids)).group_by(a.c.task_id)):
            out[int(tid)] = (aware(first), aware(last))
    return out


def _period_of(task: CallTask, called: tuple[datetime | None, datetime | None] | None) -> tuple[datetime | None, datetime | None]:
    if called and called[0] is not None:
        start, end = called
        if task.status == "running" and task.schedule_kind == "cron":
            end = None  # open: it keeps firing
        return start, end
    planned = aware(task.once_at)
    return planned, planned


def _overlaps(start: datetime | None, end: datetime | None, f: TaskFilter) -> bool:
    if f.period_from is None and f.period_to is None:
        return True
    if start is None:
        return False
    if f.period_to is not None and start >= f.period_to:
        return False
    return not (f.period_from is not None and end is not None and end < f.period_from)


def _script_matches(task: CallTask, needle: str, names: dict[str, str]) -> bool:
    if not needle:
        return True
    sid = task.script_id or ""
    n = needle.lower()
    return n in sid.lower() or n in names.get(sid, "").lower()


def task_or_404(engine: Engine, task_id: int, *, deleted: bool = True) -> CallTask:
    """The task, or the page's 404 (also for a deleted task when ``deleted`` is False)."""
    task = get_task(engine, task_id)
    if task is None or (not deleted and task.status == "deleted"):
        raise NotFoundException(f"no task with id {task_id}")
    return task


def task_row(engine: Engine, task: CallTask, names: dict[str, str] | None = None) -> TaskRow:
    """One row with its live progress (also what an htmx action swaps back in)."""
    assert task.id is not None
    names = _script_names(engine) if names is None else names
    start, end = _period_of(task, _periods(engine, [task.id]).get(task.id))
    return TaskRow(task, names.get(task.script_id or ""), start, end, progress(engine, task.id))


def task_listing(engine: Engine, f: TaskFilter, page_size: int = PAGE_SIZE) -> TaskListing:
    names = _script_names(engine)
    tasks = list_tasks(engine, include_deleted=f.include_deleted, name=f.name or None,
                       created_from=f.created_from, created_to=f.created_to)
    tasks = [t for t in tasks if _script_matches(t, f.script, names) and (not f.status or t.status == f.status)]
    periods = _periods(engine, [int(t.id or 0) for t in tasks]) if (f.period_from or f.period_to) else {}
    kept: list[tuple[CallTask, tuple[datetime | None, datetime | None] | None]] = []
    for t in tasks:
        called = periods.get(int(t.id or 0))
        if _overlaps(*_period_of(t, called), f):
            kept.append((t, called))
    page = Page(f.page, page_size, len(kept))
    shown = kept[page.offset: page.offset + page.size]
    if not periods and shown:
        periods = _periods(engine, [int(t.id or 0) for t, _ in shown])
    rows = []
    for t, _ in shown:
        start, end = _period_of(t, periods.get(int(t.id or 0)))
        rows.append(TaskRow(t, names.get(t.script_id or ""), start, end, progress(engine, int(t.id or 0))))
    return TaskListing(rows, page)
