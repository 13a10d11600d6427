"""Where argon2 runs when a request needs it: a small pool of its own, off the event loop.

argon2 is built to cost (~0.1 s of CPU and 64 MB of memory a hash at argon2-cffi's defaults).
On the event loop one verification stalls every request, ``/healthz`` included (30 concurrent
wrong secrets on ``/oauth/token`` froze it for 3.4 s: issue 15 finding 5). In the framework's
shared worker threads a burst would take all 40 of them from the pages. A pool of its own, one
thread per CPU (at most 4), bounds the CPU and memory a burst can take and leaves the loop and
the other handlers free; requests beyond it queue here. Sign-in and token requests go through
:func:`off_loop` for the whole step that hashes (verify, re-hash, create).
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

__all__ = ["off_loop", "POOL_SIZE"]

POOL_SIZE = max(1, min(4, os.cpu_count() or 1))
_pool = ThreadPoolExecutor(max_workers=POOL_SIZE, thread_name_prefix="huashu-argon2")

P = ParamSpec("P")
T = TypeVar("T")


async def off_loop(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)`` in the hashing pool; the event loop goes on meanwhile."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_pool, functools.partial(fn, *args, **kwargs))
