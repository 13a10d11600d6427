"""The dialer: claims due jobs within the task's and the line's limits and runs the calls.

Tasks sharing the line split its concurrency and calls per second by priority (strict, with a
small floor for every task with work: :mod:`runtime.campaigns.priority`); priorities are
re-read with the tasks every ``refresh_s``, so a change applies within a round.

Calls go through a :class:`CallRunner` — any async callable from a :class:`DialRequest` to a
:class:`~runtime.campaigns.claims.CallReport` — so the queue logic is the same over the
simulator, SIP or FreeSWITCH (see :mod:`runtime.campaigns.runners`). Limits: the task's
``max_concurrent`` and ``calls_per_second`` (spread over the calling window when the task
asks), and the line's own concurrency and rate. Progress is read from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from runtime.answer.per_task import TaskAnswer
from runtime.campaigns import tables as T
from runtime.campaigns.callerid.dialing import Chosen, PoolCaller
from runtime.campaigns.callerid.store import PoolError
from runtime.campaigns.claims import (
    CallReport,
    Claimed,
    claim,
    finish_attempt,
    heartbeat,
    recover,
    requeue,
    start_attempt,
)
from runtime.campaigns.clock import utcnow
from runtime.campaigns.models import CallTask
from runtime.campaigns.pacing import TokenBucket, spread_rate
from runtime.campaigns.phones import number_timezone
from runtime.campaigns.priority import Want, allocate, allocate_int
from runtime.campaigns.regions import effective_windows, holiday_gate, task_policy
from runtime.campaigns.windows import parse_windows

__all__ = ["CallRunner", "DialRequest", "Dialer", "LineLimits"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DialRequest:
    job_id: int
    attempt_id: int
    task_id: int
    phone: str
    leg: str
    caller_id: str | None
    voice: str | None
    script_id: str | None
    script_version: int | None
    variables: dict[str, Any]
    customer_id: str | None = None
    name: str | None = None
    answer: TaskAnswer | None = None  # the task's answer handling (None: the runner's own)


class CallRunner(Protocol):
    async def __call__(self, req: DialRequest) -> CallReport: ...


@dataclass(frozen=True, slots=True)
class LineLimits:
    """What the trunk allows, whatever the tasks ask for."""

    max_concurrent: int = 60
    calls_per_second: float = 50.0


@dataclass
class _TaskState:
    bucket: TokenBucket
    inflight: int = 0
    remaining: int = 0
    remaining_at: float = -1e9
    idle_until: float = -1e9


@dataclass
class Dialer:
    engine: Engine
    runner: CallRunner
    node_id: str
    line: LineLimits = field(default_factory=LineLimits)
    lease_s: float = 30.0
    region: str = "CN"
    clock: Callable[[], float] = time.monotonic
    refresh_s: float = 0.5
    idle_s: float = 0.25
    _tasks: dict[int, _TaskState] = field(default_factory=dict)
    _running: list[CallTask] = field(default_factory=list)
    _tasks_read_at: float = -1e9
    _line_bucket: TokenBucket | None = None
    _inflight: set[asyncio.Task[None]] = field(default_factory=set)
    _last_beat: float = -1e9
    _last_recover: float = -1e9
    _callers: PoolCaller | None = None
    started: int = 0
    #: a call whose pool has no usable caller id (all capped or resting) waits this long
    no_caller_wait_s: float = 600.0

    def __post_init__(self) -> None:
        self._line_bucket = TokenBucket(self.line.calls_per_second)
        self._callers = PoolCaller(self.engine, refresh_s=max(self.refresh_s, 1.0), clock=self.clock)

    @property
    def inflight(self) -> int:
        return len(self._inflight)

    def recover_own(self) -> tuple[int, int]:
        """At start: whatever this node id held before a crash is requeued or marked interrupted."""
        return recover(self.engine, self.node_id, self.region)

    def _running_tasks(self, now: float) -> list[CallTask]:
        """Running tasks, re-read every ``refresh_s``: a pause or a changed limit applies within it."""
        if now - self._tasks_read_at >= self.refresh_s:
            with self.engine.connect() as conn:
                rows = conn.execute(select(T.tasks).where(T.tasks.c.status == "running").order_by(T.tasks.c.id)).all()
            self._running = [CallTask(**dict(r._mapping)) for r in rows]
            self._tasks_read_at = now
        return self._running

    def _remaining(self, task_id: int) -> int:
        j = T.jobs
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).where(j.c.task_id == task_id, j.c.state == "queued")).scalar_one())

    def _rate(self, task: CallTask, st: _TaskState, now: float) -> float:
        rate = float(task.calls_per_second)
        if not task.spread:
            return rate
        if now - st.remaining_at > 5:
            st.remaining, st.remaining_at = self._remaining(int(task.id or 0)), now
        left = parse_windows(task.windows).seconds_left(utcnow(), task.timezone)
        return spread_rate(rate, st.remaining, left)

    def _maintain(self, now: float) -> None:
        if now - self._last_beat >= self.lease_s / 3:
            heartbeat(self.engine, self.node_id, self.lease_s)
            self._last_beat = now
        if now - self._last_recover >= self.lease_s / 2:
            recover(self.engine, None, self.region)
            self._last_recover = now

    def _shares(self, tasks: list[CallTask], now: float) -> tuple[dict[Hashable, int], dict[Hashable, float]]:
        """The line's slots and calls per second per task, by priority (:mod:`runtime.campaigns.priority`).
        A task waiting for due numbers asks only for what it has in flight, so its share flows on."""
        slot_wants, cps_wants = [], []
        for task in tasks:
            tid = int(task.id or 0)
            st = self._tasks.setdefault(tid, _TaskState(TokenBucket(task.calls_per_second)))
            busy = now >= st.idle_until
            prio = int(task.priority or 0)
            slot_wants.append(Want(tid, prio, float(task.max_concurrent if busy else st.inflight)))
            cps_wants.append(Want(tid, prio, self._rate(task, st, now) if busy else 0.0))
        return (allocate_int(slot_wants, self.line.max_concurrent),
                allocate(cps_wants, self.line.calls_per_second))

    def step(self) -> int:
        """One round: claim what the limits allow and start those calls. Returns calls started."""
        now = self.clock()
        self._maintain(now)
        assert self._line_bucket is not None
        launched = 0
        tasks = sorted(self._running_tasks(now), key=lambda t: (-int(t.priority or 0), int(t.id or 0)))
        slots_of, cps_of = self._shares(tasks, now)
        for task in tasks:
            tid = int(task.id or 0)
            st = self._tasks[tid]
            if now < st.idle_until:
                continue
            st.bucket.set_rate(max(cps_of[tid], 1e-3))
            slots = min(slots_of[tid] - st.inflight, self.line.max_concurrent - self.inflight)
            n = min(slots, st.bucket.available(now), self._line_bucket.available(now))
            if n <= 0:
                continue
            jobs = claim(self.engine, self.node_id, tid, n, self.lease_s)
            if len(jobs) < n:  # the queue has nothing more due right now: look again a little later
                st.idle_until = now + self.idle_s
            if not jobs:
                continue
            st.bucket.take(len(jobs), now)
            self._line_bucket.take(len(jobs), now)
            policy = task_policy(task.region_policy)
            windows = effective_windows(parse_windows(task.windows), policy)
            gate = holiday_gate(policy, task.business_type, windows)
            for job in jobs:
                tz = number_timezone(job.phone, task.timezone)
                if not windows.is_open(utcnow(), tz):
                    requeue(self.engine, job, self.node_id, windows.next_open(utcnow(), tz), f"calling window closed ({tz}); deferred")
                    continue
                held = gate(utcnow(), tz) if gate is not None else None
                if held is not None:
                    requeue(self.engine, job, self.node_id, held[0], held[1])
                    continue
                st.inflight += 1
                t = asyncio.get_running_loop().create_task(self._dial(task, job, st))
                self._inflight.add(t)
                t.add_done_callback(self._inflight.discard)
                launched += 1
        self.started += launched
        return launched

    def _choose_caller(self, task: CallTask, job: Claimed) -> Chosen | None | str:
        """The pool's pick for this call; a message (and the job deferred) when there is none."""
        assert self._callers is not None and task.caller_pool
        try:
            chosen = self._callers.choose(task.caller_pool, job.phone)
        except PoolError as e:
            note = f"caller-id pool: {e}; deferred"
        else:
            if chosen is not None:
                return chosen
            note = f"caller-id pool {task.caller_pool}: every number at its daily cap or resting; deferred"
        wait = utcnow() + timedelta(seconds=self.no_caller_wait_s)
        requeue(self.engine, job, self.node_id, wait, note)
        return note

    async def _dial(self, task: CallTask, job: Claimed, st: _TaskState) -> None:
        try:
            # database work off the event loop: calls in flight keep their timing while we write
            chosen: Chosen | None = None
            if task.caller_pool:
                got = await asyncio.to_thread(self._choose_caller, task, job)
                if isinstance(got, str):
                    _log.info("job %s: %s", job.job_id, got)
                    return
                chosen = got
            attempt_id = await asyncio.to_thread(start_attempt, self.engine, job, self.node_id)
            if attempt_id is None:
                return
            if chosen is not None:
                assert self._callers is not None
                await asyncio.to_thread(self._callers.stamp, attempt_id, chosen)
            req = DialRequest(
                job_id=job.job_id, attempt_id=attempt_id, task_id=job.task_id, phone=job.phone, leg=job.leg,
                caller_id=chosen.pick.caller_id if chosen is not None else task.caller_id, voice=task.voice, script_id=task.script_id, script_version=task.script_version,
                variables=dict(job.variables), customer_id=job.customer_id, name=job.name,
                answer=TaskAnswer.of(task),
            )
            try:
                report = await self.runner(req)
            except asyncio.CancelledError:
                raise
            except Exception as e:  # a driver failure must not lose the job: record it as a network error
                _log.warning("call %s failed in the runner: %s", attempt_id, e)
                report = CallReport(outcome="network_error", cause=f"runner error: {type(e).__name__}: {e}")
            await self._finish(attempt_id, job, report, task)
            if chosen is not None:
                assert self._callers is not None
                try:
                    await asyncio.to_thread(self._callers.finished, chosen, report.outcome, report.talk_ms)
                except OperationalError as e:  # health counts are statistics: a busy database skips one
                    _log.warning("attempt %s: caller-id health not counted: %s", attempt_id, str(e).splitlines()[0])
        finally:
            st.inflight -= 1

    async def _finish(self, attempt_id: int, job: Claimed, report: CallReport, task: CallTask) -> None:
        """Store a result, retrying while the database is busy: a result is never dropped for a
        lock timeout (if it still cannot be stored, the lease runs out and recovery marks the
        attempt interrupted — the one case where the outcome is lost, the call is not)."""
        for delay in (0.2, 0.5, 1.0, 2.0, 5.0, 0.0):
            try:
                await asyncio.to_thread(finish_attempt, self.engine, attempt_id, job, report, task, self.node_id, self.region)
                return
            except OperationalError as e:
                if not delay:
                    raise
                _log.warning("attempt %s: database busy storing the result, retrying: %s", attempt_id, str(e).splitlines()[0])
                await asyncio.sleep(delay)

    async def drain(self) -> None:
        while self._inflight:
            await asyncio.gather(*list(self._inflight), return_exceptions=True)

    async def run(self, stop: asyncio.Event, tick: float = 0.02) -> None:
        while not stop.is_set():
            self.step()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), tick)
        await self.drain()

