"""A runtime node: the scheduler, the run loader and the dialer in one asyncio loop.

:meth:`RuntimeNode.run` is the loop; :meth:`RuntimeNode.serve` is the node as a process runs
it, with signals, metrics and health endpoints, retention and progress around the loop
(:mod:`runtime.campaigns.supervision`).

Several nodes may share one PostgreSQL database; everything they do to shared rows is a
claim (see :mod:`runtime.campaigns.claims` and :mod:`runtime.campaigns.scheduler`). On
start a node recovers what its own id held before a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import exists, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from runtime.campaigns import tables as T
from runtime.campaigns.clock import utcnow
from runtime.campaigns.dialer import CallRunner, Dialer, LineLimits
from runtime.campaigns.loading import RowsFn, load_pending_runs
from runtime.campaigns.queue import OPEN_STATES
from runtime.campaigns.scheduler import fire_due
from runtime.campaigns.sms.outbox import SmsSender
from runtime.campaigns.supervision import (
    ServeResult,
    Supervision,
    housekeeping,
    open_health,
    recover_recordings,
    trapped_signals,
)

__all__ = ["RuntimeNode", "default_node_id", "complete_finished_tasks"]

_log = logging.getLogger(__name__)


def default_node_id() -> str:
    return f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"


def complete_finished_tasks(engine: Engine) -> list[int]:
    """A one-off task whose trigger fired, whose runs are loaded and whose jobs are all
    finished is completed; cron tasks keep running until stopped. When no run of it loaded
    and one failed (unreadable source, mapping naming missing columns), it is ``failed``
    instead — "completed" with 0 numbers would hide the error (the runs keep the message)."""
    tk, tr, r, j = T.tasks, T.triggers, T.runs, T.jobs
    q = (
        select(tk.c.id)
        .join(tr, tr.c.task_id == tk.c.id)
        .where(
            tk.c.status == "running", tk.c.schedule_kind == "once", tr.c.fire_count > 0, tr.c.next_fire_at.is_(None),
            ~exists().where(r.c.task_id == tk.c.id, r.c.state.in_(("pending", "loading"))),
            ~exists().where(j.c.task_id == tk.c.id, j.c.state.in_(OPEN_STATES)),
        )
    )
    failed_only = (exists().where(r.c.task_id == tk.c.id, r.c.state == "failed")
                   & ~exists().where(r.c.task_id == tk.c.id, r.c.state == "loaded"))
    done: list[int] = []
    with engine.begin() as conn:
        for tid, failed in conn.execute(q.add_columns(failed_only)).all():
            res = conn.execute(update(tk).where(tk.c.id == tid, tk.c.status == "running")
                               .values(status="failed" if failed else "completed", updated_at=utcnow()))
            if res.rowcount:
                done.append(int(tid))
    return done


@dataclass
class RuntimeNode:
    engine: Engine
    runner: CallRunner
    rows_fn: RowsFn
    node_id: str = field(default_factory=default_node_id)
    region: str = "CN"
    line: LineLimits = field(default_factory=LineLimits)
    lease_s: float = 30.0
    schedule_every_s: float = 1.0
    clock: Callable[[], float] = time.monotonic
    #: best-time rates file for best-time tasks (None: ``<data_dir>/best_times.json``)
    best_times: Path | None = None
    #: regenerate rule audiences whose cron is due (claimed: one node does each)
    refresh_audiences: bool = True
    #: sends SMS follow-ups from the outbox (None: messages wait for a node that has a gateway)
    sms: SmsSender | None = None
    dialer: Dialer = field(init=False)
    _last_schedule: float = -1e9
    _last_work_check: float = -1e9

    def __post_init__(self) -> None:
        self.dialer = Dialer(self.engine, self.runner, self.node_id, self.line, self.lease_s, self.region, self.clock)

    def start(self) -> tuple[int, int]:
        requeued, interrupted = self.dialer.recover_own()
        if requeued or interrupted:
            _log.info("node %s recovered: %d requeued, %d interrupted", self.node_id, requeued, interrupted)
        return requeued, interrupted

    def schedule(self) -> None:
        if self.refresh_audiences:
            # before the triggers: a run fired in this round reads the refreshed members
            from runtime.audience.schedule import refresh_due

            for r in refresh_due(self.engine, utcnow()):
                _log.info("node %s refreshed audience %s (%s): %s", self.node_id, r.audience_id, r.name,
                          r.error or f"{r.size} to call, {r.held_out} held out")
        fire_due(self.engine)
        load_pending_runs(self.engine, self.node_id, self.rows_fn, self.region, self.best_times)
        complete_finished_tasks(self.engine)

    def has_work(self) -> bool:
        """Anything still to do for a ``--once`` run: due or in-flight jobs of running tasks, pending runs.
        Jobs deferred to a later calling window do not keep a ``--once`` run alive."""
        tk, r, j = T.tasks, T.runs, T.jobs
        with self.engine.connect() as conn:
            due = or_(j.c.state != "queued", j.c.not_before.is_(None), j.c.not_before <= utcnow())
            jobs = conn.execute(select(j.c.id).join(tk, tk.c.id == j.c.task_id)
                                .where(tk.c.status == "running", j.c.state.in_(OPEN_STATES), due).limit(1)).first()
            runs = conn.execute(select(r.c.id).where(r.c.state.in_(("pending", "loading"))).limit(1)).first()
        return bool(jobs or runs) or self.dialer.inflight > 0

    async def run(self, stop: asyncio.Event, once: bool = False, tick: float = 0.02) -> None:
        self.start()
        sms_stop = asyncio.Event()
        sms_loop = asyncio.create_task(self.sms.run(sms_stop)) if self.sms is not None else None
        try:
            await self._loop(stop, once, tick)
        finally:
            sms_stop.set()
            if sms_loop is not None:
                await sms_loop
        if once and self.sms is not None:  # a --once run also empties the outbox it filled
            for _ in range(100):
                if not await asyncio.to_thread(self.sms.step) and not await asyncio.to_thread(self.sms.pending):
                    break
                await asyncio.sleep(0.1)

    async def serve(self, sup: Supervision | None = None, stop: asyncio.Event | None = None) -> ServeResult:
        """Run the node as a process does until a signal, ``stop``, the progress report or the
        timeout ends it (with ``sup.once``: until no due work is left). Its calls are counted in
        the metrics under its id; the runner is closed at the end. A metrics port that cannot
        be bound raises :class:`runtime.campaigns.supervision.NodeSetupError` before any call."""
        from huashu.core import metrics
        from runtime.campaigns.progress import idle_reasons
        from runtime.health import MeteredRunner

        sup = sup or Supervision()
        stop = stop or asyncio.Event()
        metrics.set_node(self.node_id)
        if not isinstance(self.dialer.runner, MeteredRunner):
            self.dialer.runner = MeteredRunner(self.dialer.runner, self.node_id)
        health = open_health(self.engine, sup.metrics_at, sup.say)
        began = utcnow()
        try:
            recover_recordings(self.runner, sup.say)
            with trapped_signals(stop, sup.signals):
                helpers = housekeeping(self.engine, self.runner, sup, stop)
                try:
                    await self.run(stop, once=sup.once)
                finally:
                    stop.set()
                    await asyncio.gather(*helpers)
                    close = getattr(self.runner, "aclose", None)
                    if close is not None:
                        await close()
        finally:
            if health is not None:
                health.close()
        reasons = idle_reasons(self.engine, since=began) if sup.once else []
        return ServeResult(self.node_id, self.dialer.started, reasons)

    async def _loop(self, stop: asyncio.Event, once: bool, tick: float) -> None:
        while not stop.is_set():
            now = self.clock()
            try:
                if now - self._last_schedule >= self.schedule_every_s:
                    self.schedule()
                    self._last_schedule = now
                self.dialer.step()
                if once and now - self._last_work_check >= 0.25:
                    self._last_work_check = now
                    if not self.has_work():
                        self.schedule()
                        if not self.has_work():
                            break
            except OperationalError as e:
                # the database is busy (a big list loading on SQLite) or briefly away: nothing was
                # changed half-way (every step is one transaction); try again on the next round
                _log.warning("node %s: database busy, retrying: %s", self.node_id, str(e).splitlines()[0])
                tick_wait = max(tick, 0.5)
            else:
                tick_wait = tick
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), tick_wait)
        await self.dialer.drain()
        complete_finished_tasks(self.engine)
