"""Timer E/F for our non-INVITE requests over UDP (RFC 3261 §17.1.2.2), used for BYE.

aiosipua sends a BYE once. A lost BYE leaves the customer's leg up at the carrier (and
billed) until its own session timer, if any, notices; so over UDP we resend it at T1, 2·T1 ...
capped at T2, until any response to it arrives or timer F (64·T1) runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

__all__ = ["Retransmitter"]

_log = logging.getLogger(__name__)
T1 = 0.5
T2 = 4.0


class Retransmitter:
    """Resends requests keyed by (Call-ID, CSeq number, method) until :meth:`answered`."""

    def __init__(self, t1: float = T1, t2: float = T2) -> None:
        self.t1, self.t2 = t1, t2
        self._tasks: dict[tuple[str, int, str], asyncio.Task[None]] = {}
        self.resent = 0  # how many retransmissions went out (benchmarks and tests read it)

    def start(self, key: tuple[str, int, str], send: Callable[[], Any]) -> None:
        """``send`` was already called once; call it again on timer E until answered or timer F."""
        if key in self._tasks:
            return
        task = asyncio.get_running_loop().create_task(self._run(key, send))
        self._tasks[key] = task
        task.add_done_callback(lambda _t: self._tasks.pop(key, None))

    def answered(self, key: tuple[str, int, str]) -> None:
        task = self._tasks.pop(key, None)
        if task is not None:
            task.cancel()

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def _run(self, key: tuple[str, int, str], send: Callable[[], Any]) -> None:
        interval, waited = self.t1, 0.0
        while waited + interval <= 64 * self.t1:
            await asyncio.sleep(interval)
            waited += interval
            send()
            self.resent += 1
            interval = min(interval * 2, self.t2)
        _log.warning("%s for call %s: no response within timer F (%.0f s)", key[2], key[0], 64 * self.t1)

    async def aclose(self, grace_s: float = 0.0) -> None:
        """Give outstanding requests ``grace_s`` to be answered, then stop resending."""
        if grace_s > 0 and self._tasks:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*self._tasks.values(), return_exceptions=True), grace_s)
        for task in list(self._tasks.values()):
            task.cancel()
        self._tasks.clear()
