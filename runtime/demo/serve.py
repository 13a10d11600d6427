"""The web app and a runtime node in one process, so the start button on the task page really dials.

The app object is built by the caller (the runtime does not import the web layer); this
module runs it with uvicorn beside :class:`runtime.campaigns.node.RuntimeNode` on one event
loop and stops the node when the server stops (Ctrl-C / SIGTERM). When the demo task
completes, ``on_complete`` runs once (the CLI loads the results into the analytics store,
so the analytics pages show the campaign).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

from runtime.campaigns.dialer import CallRunner, LineLimits
from runtime.campaigns.loading import source_rows
from runtime.campaigns.node import RuntimeNode
from runtime.campaigns.tasks import get_task

__all__ = ["serve_with_node", "port_free"]

_log = logging.getLogger(__name__)


def port_free(host: str, port: int) -> str | None:
    """None when ``host:port`` can be bound, else why not."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            return e.strerror or str(e)
    return None


async def _watch(engine: Engine, task_id: int, on_complete: Callable[[], None], stop: asyncio.Event,
                 every_s: float = 2.0) -> None:
    done_before = (t := get_task(engine, task_id)) is not None and t.status == "completed"
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_s)
        task = get_task(engine, task_id)
        if task is not None and task.status == "completed" and not done_before:
            done_before = True
            try:
                on_complete()
            except Exception:  # the web app keeps running; the operator can still load with `huashu report load`
                _log.exception("loading the demo results into the analytics store failed")


async def serve_with_node(app: Any, engine: Engine, runner: CallRunner, host: str, port: int, *,
                          task_id: int | None = None, on_complete: Callable[[], None] | None = None,
                          node_id: str = "demo-web", sms: Any = None) -> None:
    """``sms``: the follow-up sender (the demo's goes to the simulator's SMS sink)."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on"))
    node = RuntimeNode(engine, runner, source_rows(engine), node_id=node_id, line=LineLimits(60, 200.0), sms=sms)
    stop = asyncio.Event()
    workers = [asyncio.create_task(node.run(stop))]
    if task_id is not None and on_complete is not None:
        workers.append(asyncio.create_task(_watch(engine, task_id, on_complete, stop)))
    try:
        await server.serve()
    finally:
        stop.set()
        await asyncio.gather(*workers)
