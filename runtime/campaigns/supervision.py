"""What runs around a runtime node in a process (:meth:`runtime.campaigns.node.RuntimeNode.serve`):
signals, the metrics and health endpoints, recording and personal-data retention, progress.

``huashu runtime run`` and ``huashu demo`` both serve a node through these, so a node behaves
the same whichever command started it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from huashu.core.errors import HuashuError
from runtime.campaigns import tables as T
from runtime.campaigns.progress import Progress, progress

if TYPE_CHECKING:
    from huashu.core.config import Settings
    from runtime.health import HealthServer

__all__ = ["Supervision", "ServeResult", "TaskProgress", "NodeSetupError", "running_progress"]

_log = logging.getLogger("huashu.runtime")


class NodeSetupError(HuashuError):
    """The node cannot start as asked (its metrics port is taken); the message says why."""

    code = "node_setup"


@dataclass(frozen=True, slots=True)
class TaskProgress:
    """One running task's progress, as a progress report hears it."""

    task_id: int
    name: str
    progress: Progress


#: hears the running tasks' progress; True stops the node (the demo stops when its task is done)
ProgressFn = Callable[[list[TaskProgress]], bool | None]


@dataclass(frozen=True)
class Supervision:
    """How :meth:`RuntimeNode.serve` runs; the defaults serve a bare node until a signal."""

    #: fire due triggers, dial every due number, then return (no retention loops)
    once: bool = False
    #: the node's settings: recording and personal-data retention run with them (None: no retention)
    settings: Settings | None = None
    #: serve /metrics, /healthz and /readyz on (host, port); port 0 picks a free one
    metrics_at: tuple[str, int] | None = None
    #: stop on SIGINT/SIGTERM; False when the caller owns the signals (uvicorn in the demo)
    signals: bool = True
    #: seconds between progress reports (0: none)
    progress_every_s: float = 0.0
    on_progress: ProgressFn | None = None
    #: stop after this many seconds (None: never)
    timeout_s: float | None = None
    #: hears a line per event of the process (start, metrics address, recovered recordings)
    say: Callable[[str], None] = field(default=_log.info)


@dataclass(frozen=True, slots=True)
class ServeResult:
    node_id: str
    calls_started: int
    #: with ``once``: why numbers were left undialled (window closed, paused, failed run, ...)
    not_dialled: list[str]


def running_progress(engine: Engine) -> list[TaskProgress]:
    """The progress of every running task, oldest first."""
    with engine.connect() as c:
        running = c.execute(select(T.tasks.c.id, T.tasks.c.name).where(T.tasks.c.status == "running")
                            .order_by(T.tasks.c.id)).all()
    return [TaskProgress(int(tid), str(name), progress(engine, int(tid))) for tid, name in running]


def open_health(engine: Engine, at: tuple[str, int] | None, say: Callable[[str], None]) -> HealthServer | None:
    """Start the metrics and health endpoints; a taken port is a :class:`NodeSetupError`."""
    if at is None:
        return None
    from runtime.health import HealthServer

    host, port = at
    try:
        health = HealthServer(engine, host, port).start()
    except OSError as e:
        raise NodeSetupError(f"cannot serve metrics on {host}:{port}: {e.strerror}") from e
    say(f"metrics on http://{host}:{health.port}/metrics (/healthz, /readyz)")
    return health


@contextlib.contextmanager
def trapped_signals(stop: asyncio.Event, enabled: bool) -> Iterator[None]:
    """SIGINT and SIGTERM set ``stop`` (the node drains its calls and returns) while inside."""
    loop = asyncio.get_running_loop()
    sigs = (signal.SIGINT, signal.SIGTERM) if enabled else ()
    for sig in sigs:
        loop.add_signal_handler(sig, stop.set)
    try:
        yield
    finally:
        for sig in sigs:
            loop.remove_signal_handler(sig)


def recover_recordings(runner: Any, say: Callable[[str], None]) -> None:
    """Finish the recordings an earlier run of this node left half-written or not uploaded."""
    store = getattr(runner, "recording_store", None)
    if store is None:
        return
    from runtime.recordings import recover

    recovered = recover(store)
    if recovered:
        say(f"recordings: {recovered} left by an earlier run finished or uploaded")


def housekeeping(engine: Engine, runner: Any, sup: Supervision, stop: asyncio.Event) -> list[asyncio.Task[None]]:
    """The loops that run beside the node until ``stop``: retention (not with ``once``) and progress."""
    jobs: list[Coroutine[Any, Any, None]] = []
    if sup.settings is not None and not sup.once:
        from runtime.privacy.retention import retention_loop as privacy_retention

        store = getattr(runner, "recording_store", None)
        if store is not None:
            from runtime.recordings import retention_loop

            jobs.append(retention_loop(store, sup.settings.recordings.retention_days, stop))
        jobs.append(privacy_retention(engine, sup.settings, stop))
    if sup.on_progress is not None and sup.progress_every_s > 0:
        jobs.append(_report_progress(engine, sup.on_progress, sup.progress_every_s, stop))
    if sup.timeout_s is not None:
        jobs.append(_stop_after(sup.timeout_s, stop))
    return [asyncio.create_task(j) for j in jobs]


async def _report_progress(engine: Engine, report: ProgressFn, every_s: float, stop: asyncio.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_s)
        if report(await asyncio.to_thread(running_progress, engine)):
            stop.set()


async def _stop_after(seconds: float, stop: asyncio.Event) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    stop.set()
