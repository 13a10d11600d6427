"""Run the demo campaign to its end in this process: start it, dial on the simulator, watch progress.

The node runs until the task is completed (a one-off task completes when every number is
finished, redials included), not with ``once``: a redial waits a moment in the queue and a
``once`` run would leave before it is due.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy.engine import Engine

from huashu.core.errors import NotFound
from runtime.campaigns.dialer import CallRunner, LineLimits
from runtime.campaigns.loading import source_rows
from runtime.campaigns.node import RuntimeNode
from runtime.campaigns.progress import Progress, progress
from runtime.campaigns.scripts import store_resolver
from runtime.campaigns.sms.outbox import SmsSender
from runtime.campaigns.supervision import Supervision, TaskProgress
from runtime.campaigns.tasks import get_task, set_status

__all__ = ["start_task", "run_to_end"]


def start_task(engine: Engine, task_id: int) -> str:
    """Start the task if it is a draft or paused; returns its status afterwards."""
    task = get_task(engine, task_id)
    if task is None:
        raise NotFound(f"no task {task_id}")
    if task.status in ("draft", "paused"):
        task = set_status(engine, task_id, "start", store_resolver(engine))
    return str(task.status)


async def run_to_end(engine: Engine, task_id: int, runner: CallRunner, *, node_id: str = "demo",
                     on_progress: Callable[[Progress], None] = lambda _p: None, every_s: float = 0.2,
                     timeout_s: float = 600.0, sms: SmsSender | None = None) -> Progress:
    """Dial until the task is completed (or stopped, or Ctrl-C); returns the final progress. ``sms``: the
    follow-up sender (the demo's goes to the simulator's SMS sink); its outbox is emptied at the end."""
    node = RuntimeNode(engine, runner, source_rows(engine), node_id=node_id, line=LineLimits(60, 200.0),
                       schedule_every_s=0.25, sms=sms)

    def watch(running: list[TaskProgress]) -> bool:
        """Show the task's progress; stop once it is no longer running."""
        for t in running:
            if t.task_id == task_id:
                on_progress(t.progress)
                return False
        return True

    await node.serve(Supervision(progress_every_s=every_s, on_progress=watch, timeout_s=timeout_s))
    if sms is not None:
        for _ in range(1000):
            if not await asyncio.to_thread(sms.step):
                break
    final = progress(engine, task_id)
    on_progress(final)
    return final
