"""Runtime nodes as separate processes, for the crash and multi-node tests."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from sqlalchemy import select
from sqlalchemy.engine import Engine

from runtime.campaigns import tables as T

__all__ = ["kill_9"]


def kill_9(engine: Engine, proc: subprocess.Popen[bytes], node_id: str) -> tuple[float, set[int]]:
    """SIGKILL the node ``proc`` (``node_id``) and wait for it; returns when it was killed and the
    attempts it had up then (which its lease still holds)."""
    os.kill(proc.pid, signal.SIGKILL)
    killed_at = time.time()
    proc.wait()
    with engine.connect() as c:
        were_up = set(c.execute(select(T.attempts.c.id).where(T.attempts.c.state == "up",
                                                              T.attempts.c.node_id == node_id)).scalars())
    return killed_at, were_up
