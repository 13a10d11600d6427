"""Loading a run's customer rows into the dial queue: screen every row, store every verdict.

The screen's inputs (blacklists, numbers already used for the business, call counts) are
read once per run; rows are screened in memory and written in batches inside *one*
transaction that also marks the run ``loaded`` — so a crash mid-load leaves nothing half
done, and the run is loaded again from the start by whoever claims it next.

An attempt on which no call was placed (the runner cancelled it before dialling because the
row's variables could not render, cause ``bad_variables: …``) counts neither towards the caps
nor as "called for the business" (:func:`placed_call`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, insert, not_, or_, select, update
from sqlalchemy.engine import Connection

from runtime.campaigns import tables as T
from runtime.campaigns.blacklist import load_sets
from runtime.campaigns.bulk import big_write, bulk_insert
from runtime.campaigns.clock import utcnow
from runtime.campaigns.compliance import SECONDARY_IGNORED, Caps, ScreenContext
from runtime.campaigns.consent import required_bases
from runtime.campaigns.mapping import CustomerRow
from runtime.campaigns.models import CallTask
from runtime.campaigns.optout import opted_out_numbers
from runtime.campaigns.regions import effective_caps, effective_windows, holiday_gate, task_policy
from runtime.campaigns.screening import COLUMNS, paused_gc, screened_batches
from runtime.campaigns.windows import parse_windows
from runtime.privacy.keyed import number_key
from runtime.privacy.suppression import suppressed_hashes

__all__ = ["LoadStats", "compliance_settings", "build_context", "write_verdicts", "count_calls", "recent_for_business",
           "number_context", "placed_call", "flagged_rows", "dropped_rows", "OPEN_STATES", "NO_CALL_CAUSE"]

OPEN_STATES = ("queued", "claimed", "dialing")
#: Cause prefix of an attempt the runner cancelled before dialling (no call placed): the
#: simulator and demo runners report ``CallReport("cancelled", cause="bad_variables: …")``.
NO_CALL_CAUSE = "bad_variables"
_BATCH = 20000


@dataclass
class LoadStats:
    total: int = 0
    queued: int = 0
    dropped: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    #: rows kept with a part ignored, by flag (``bad_secondary``): see :func:`flagged_rows`
    flagged: dict[str, int] = field(default_factory=dict)


def compliance_settings(conn: Connection) -> dict[str, Any]:
    """The global caps row, created with defaults on first use."""
    c = T.compliance
    row = conn.execute(select(c).where(c.c.id == 1)).first()
    if row is None:
        conn.execute(insert(c).values(id=1, cap_day=2, cap_week=5, cap_month=10, dedupe_days=30, number_format="any"))
        row = conn.execute(select(c).where(c.c.id == 1)).one()
    return dict(row._mapping)


def placed_call() -> ColumnElement[bool]:
    """SQL condition on ``campaign_attempt``: a call was placed (or is up). False only for an
    attempt cancelled before dialling for bad variables; NULL-safe for attempts still up."""
    a = T.attempts
    return or_(a.c.outcome.is_(None), a.c.outcome != "cancelled", a.c.cause.is_(None),
               not_(a.c.cause.like(NO_CALL_CAUSE + "%")))


def count_calls(conn: Connection, now: datetime, phones: Iterable[str] | None = None) -> dict[str, tuple[int, int, int]]:
    """phone -> calls in the last day / 7 days / 30 days: attempts that placed a call plus jobs still open."""
    a, j = T.attempts, T.jobs
    day, week, month = now - timedelta(days=1), now - timedelta(days=7), now - timedelta(days=30)
    q = select(
        a.c.phone,
        func.sum(case((a.c.started_at >= day, 1), else_=0)),
        func.sum(case((a.c.started_at >= week, 1), else_=0)),
        func.count(),
    ).where(a.c.started_at >= month, placed_call())
    q2 = select(j.c.dial_phone, func.count()).where(j.c.state.in_(OPEN_STATES))
    if phones is not None:
        lst = list(phones)
        q = q.where(a.c.phone.in_(lst))
        q2 = q2.where(j.c.dial_phone.in_(lst))
    out: dict[str, tuple[int, int, int]] = {}
    for phone, d, w, m in conn.execute(q.group_by(a.c.phone)):
        out[phone] = (int(d or 0), int(w or 0), int(m or 0))
    for phone, n in conn.execute(q2.group_by(j.c.dial_phone)):
        d, w, m = out.get(phone, (0, 0, 0))
        out[phone] = (d + n, w + n, m + n)
    return out


def recent_for_business(conn: Connection, business: str, days: int, now: datetime,
                        phones: Iterable[str] | None = None) -> tuple[set[str], set[str]]:
    """(called, queued) for the dedupe check, over the business's jobs created in the last ``days``:
    numbers a call was placed to (either leg, whatever became of the job since — a task stopped
    between redials still called them), and numbers waiting in an open job, not called yet.
    A job closed without a placed call (cancelled before dialling, dropped) counts for neither."""
    if days <= 0:
        return set(), set()
    j, a = T.jobs, T.attempts
    since = now - timedelta(days=days)
    called_q = (select(a.c.phone).select_from(j.join(a, a.c.job_id == j.c.id))
                .where(j.c.business == business, j.c.created_at >= since, placed_call()).distinct())
    queued_q = select(j.c.dial_phone).where(j.c.business == business, j.c.created_at >= since,
                                            j.c.state.in_(OPEN_STATES), j.c.dial_phone.is_not(None)).distinct()
    if phones is not None:
        lst = list(phones)
        called_q = called_q.where(a.c.phone.in_(lst))
        queued_q = queued_q.where(j.c.dial_phone.in_(lst))
    called = set(conn.execute(called_q).scalars())
    return called, set(conn.execute(queued_q).scalars()) - called


def _dedupe_days(task: CallTask, cfg: dict[str, Any]) -> int:
    return int(task.dedupe_days) if task.dedupe_days is not None else int(cfg["dedupe_days"])


def number_context(conn: Connection, task: CallTask, phone: str, region: str, now: datetime) -> ScreenContext:
    """The screen's inputs for one number outside a load (the secondary leg before it is
    dialled): blacklists, the business's called/queued numbers and the caps, as a load has them."""
    assert task.id is not None
    cfg = compliance_settings(conn)
    days = _dedupe_days(task, cfg)
    g, t = load_sets(conn, task.id)
    called, queued = recent_for_business(conn, task.business, days, now, [phone])
    return ScreenContext(now_utc=now, region=region, global_blacklist=g, task_blacklist=t, recent_business=called,
                         recent_queued=queued, dedupe_days=days, counts=count_calls(conn, now, [phone]),
                         opted_out=opted_out_numbers(conn),
                         caps=effective_caps(Caps(int(cfg["cap_day"]), int(cfg["cap_week"]), int(cfg["cap_month"])),
                                             task_policy(task.region_policy)))


def build_context(conn: Connection, task: CallTask, region: str, now: datetime | None = None) -> ScreenContext:
    assert task.id is not None
    now = now or utcnow()
    cfg = compliance_settings(conn)
    days = _dedupe_days(task, cfg)
    g, t = load_sets(conn, task.id)
    called, queued = recent_for_business(conn, task.business, days, now)
    policy = task_policy(task.region_policy)
    windows = effective_windows(parse_windows(task.windows), policy)
    return ScreenContext(
        now_utc=now,
        region=region,
        number_format=str(cfg["number_format"]),
        global_blacklist=g,
        task_blacklist=t,
        recent_business=called,
        recent_queued=queued,
        dedupe_days=days,
        counts=count_calls(conn, now),
        caps=effective_caps(Caps(int(cfg["cap_day"]), int(cfg["cap_week"]), int(cfg["cap_month"])), policy),
        windows=windows,
        default_tz=task.timezone,
        variable_types=_script_variable_types(conn, task),
        opted_out=opted_out_numbers(conn),
        consent_bases=required_bases(task.business_type),
        holiday_gate=holiday_gate(policy, task.business_type, windows),
        **_suppression(conn),
    )


def _suppression(conn: Connection) -> dict[str, Any]:
    """Erased numbers' hashes and the key to hash rows with (no key read when nothing was erased)."""
    hashes = suppressed_hashes(conn)
    return {"suppressed": hashes, "suppress_key": number_key() if hashes else None}


def dropped_rows(conn: Connection, run_id: int) -> list[dict[str, Any]]:
    """The run's dropped rows, by line: ``{"line", "reason", "message"}`` with the message as
    screening stored it. One query for the CLI's ``add-numbers`` report and the API's answer."""
    j = T.jobs
    rows = conn.execute(select(j.c.row_no, j.c.drop_reason, j.c.drop_message)
                        .where(j.c.run_id == run_id, j.c.state == "dropped").order_by(j.c.row_no, j.c.id))
    return [{"line": r.row_no, "reason": r.drop_reason, "message": r.drop_message} for r in rows]


def flagged_rows(conn: Connection, run_id: int) -> list[dict[str, Any]]:
    """The run's rows with an ignored secondary number (queued on the primary, or dropped for
    their own reason), by line: ``{"line", "reason": "bad_secondary", "message"}``."""
    j = T.jobs
    rows = conn.execute(select(j.c.row_no, j.c.note, j.c.state)
                        .where(j.c.run_id == run_id, j.c.note.like(SECONDARY_IGNORED + "%")).order_by(j.c.row_no, j.c.id))
    return [{"line": r.row_no, "reason": "bad_secondary",
             "message": str(r.note).split("; ")[0] + ("" if r.state == "dropped" else "; the primary number is kept")}
            for r in rows]


def _script_variable_types(conn: Connection, task: CallTask) -> dict[str, str]:
    """The declared variable types of the task's approved script, so bad values are dropped at intake
    (an unapproved or missing script is refused when the task starts, not here)."""
    from runtime.campaigns.compliance import variable_types
    from runtime.campaigns.scripts import ScriptNotApproved, store_resolver

    if not task.script_id:
        return {}
    try:
        return variable_types(store_resolver(conn.engine)(task.script_id, task.script_version))
    except ScriptNotApproved:
        return {}


def write_verdicts(
    conn: Connection,
    task: CallTask,
    run_id: int,
    rows: Iterable[CustomerRow],
    ctx: ScreenContext,
    progress: Callable[[int], None] | None = None,
    size_hint: int | None = None,
) -> LoadStats:
    """Screen and insert; the caller owns the transaction (and marks the run loaded in it).
    ``size_hint``: the number of rows when known (a big list screens on a second core at once)."""
    stats = LoadStats()
    with big_write(conn):
        _screen_into(conn, rows, ctx, int(task.id or 0), task.business, run_id, stats, progress, size_hint)
    conn.execute(
        update(T.runs).where(T.runs.c.id == run_id).values(total=stats.total, queued=stats.queued, dropped=stats.dropped)
    )
    return stats


def _screen_into(
    conn: Connection, rows: Iterable[CustomerRow], ctx: ScreenContext, tid: int, business: str, run_id: int,
    stats: LoadStats, progress: Callable[[int], None] | None, size_hint: int | None,
) -> None:
    constants = {"task_id": tid, "run_id": run_id, "business": business, "leg": "primary", "attempts": 0,
                 "created_at": ctx.now_utc}
    with paused_gc():
        _write_batches(conn, screened_batches(rows, ctx, size_hint=size_hint), constants, stats, progress)


def _write_batches(conn: Connection, batches: Iterable[list[tuple[Any, ...]]], constants: dict[str, Any],
                   stats: LoadStats, progress: Callable[[int], None] | None) -> None:
    for batch in batches:
        # COLUMNS: 7 state, 8 drop_reason, 10 note
        reasons = Counter(t[8] or "unknown" for t in batch if t[7] != "queued")
        dropped = sum(reasons.values())
        stats.total += len(batch)
        stats.queued += len(batch) - dropped
        stats.dropped += dropped
        for key, n in reasons.items():
            stats.reasons[key] = stats.reasons.get(key, 0) + n
        flagged = sum(1 for t in batch if t[10] is not None and t[10].startswith(SECONDARY_IGNORED))
        if flagged:
            stats.flagged["bad_secondary"] = stats.flagged.get("bad_secondary", 0) + flagged
        bulk_insert(conn, T.jobs, COLUMNS, batch, constants)
        if progress:
            progress(stats.total)
