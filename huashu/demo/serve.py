"""The web app and a runtime node in one process, so the start button on the task page really dials.

The demo sits above the web layer: it builds the app (:func:`web.app.create_app`) and runs it
with uvicorn beside the node's :meth:`runtime.campaigns.node.RuntimeNode.serve` on one event
loop. uvicorn owns the signals; when it stops (Ctrl-C / SIGTERM) the node drains and stops.
When the demo task completes, its results are loaded into the analytics store once, so the
analytics pages show the campaign.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable

from sqlalchemy.engine import Engine

from huashu.core.config import Settings
from huashu.demo.results import load_results
from huashu.demo.setup import DemoState
from runtime.campaigns.dialer import CallRunner, LineLimits
from runtime.campaigns.loading import source_rows
from runtime.campaigns.node import RuntimeNode
from runtime.campaigns.sms.outbox import SmsSender
from runtime.campaigns.supervision import Supervision, TaskProgress
from runtime.campaigns.tasks import get_task

__all__ = ["serve_demo", "port_free"]

_log = logging.getLogger(__name__)
#: seconds between looks at whether the demo task completed
WATCH_EVERY_S = 2.0


def port_free(host: str, port: int) -> str | None:
    """None when ``host:port`` can be bound, else why not."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            return e.strerror or str(e)
    return None


def _results_loader(engine: Engine, settings: Settings, state: DemoState, url: str,
                    say: Callable[[str], None]) -> Callable[[list[TaskProgress]], bool]:
    """A progress watcher that loads the results once, when the demo task completes (not when it was
    completed before this process started: those results are loaded already)."""
    tid = state.task.task_id
    done_before = (t := get_task(engine, tid)) is not None and t.status == "completed"

    def watch(running: list[TaskProgress]) -> bool:
        nonlocal done_before
        if done_before or any(t.task_id == tid for t in running):
            return False
        task = get_task(engine, tid)
        if task is None or task.status != "completed":
            return False
        done_before = True
        try:
            res = load_results(engine, settings.data_dir / "analytics.duckdb", tid, state.audience, state.params.seed)
        except Exception:  # the web app keeps running; the operator can still load with `huashu report load`
            _log.exception("loading the demo results into the analytics store failed")
        else:
            say(f"task {tid} completed: {res.calls:,} calls loaded; report: {url}analytics/{tid}")
        return False

    return watch


async def serve_demo(engine: Engine, settings: Settings, state: DemoState, runner: CallRunner, host: str, port: int,
                     *, url: str, say: Callable[[str], None], sms: SmsSender | None = None) -> None:
    """Serve the web app on ``host:port`` with a runtime node until uvicorn stops."""
    import uvicorn

    from web.app import create_app

    app = create_app(settings.model_copy(update={"host": host, "port": port}), engine)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on"))
    node = RuntimeNode(engine, runner, source_rows(engine), node_id="demo-web", line=LineLimits(60, 200.0), sms=sms)
    stop = asyncio.Event()
    watch = _results_loader(engine, settings, state, url, say)
    worker = asyncio.create_task(node.serve(Supervision(signals=False, progress_every_s=WATCH_EVERY_S,
                                                        on_progress=watch), stop))
    try:
        await server.serve()
    finally:
        stop.set()
        await worker
