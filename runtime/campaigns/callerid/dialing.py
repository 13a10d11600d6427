"""The dialer's side of caller-id pools: one picker per pool, refreshed from the database.

Every ``refresh_s`` a pool's picker is rebuilt from the tables, so counts taken by other nodes,
new numbers and rests (or an operator's un-rest) apply within a dialer round or two. Each pick
is *taken* in the database (:func:`~runtime.campaigns.callerid.store.take_slot`); when another
node used a number's last slot first, the number is marked full locally and the pick repeats.
Every ``judge_s`` the pool's health test runs (idempotent, so several nodes may run it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.engine import Engine

from runtime.campaigns import tables as T
from runtime.campaigns.callerid.picker import Pick, Picker
from runtime.campaigns.callerid.store import (
    PoolError,
    day_of,
    judge_pool,
    load_picker,
    record_outcome,
    take_slot,
)
from runtime.campaigns.clock import utcnow

__all__ = ["Chosen", "PoolCaller", "check_pool"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Chosen:
    pick: Pick
    day: str


@dataclass
class _Pool:
    picker: Picker
    timezone: str
    read_at: float
    judged_at: float


@dataclass
class PoolCaller:
    engine: Engine
    refresh_s: float = 2.0
    judge_s: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _pools: dict[str, _Pool] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _pool(self, name: str, now: datetime) -> _Pool:
        t = self.clock()
        p = self._pools.get(name)
        if p is None or t - p.read_at >= self.refresh_s:
            if p is None or t - p.judged_at >= self.judge_s:
                rested = judge_pool(self.engine, name, now)
                for r in rested:
                    _log.warning("caller id %s of pool %s rested until %s: %s", r["number"], name, r["until"], r["reason"])
                judged = t
            else:
                judged = p.judged_at
            picker, row = load_picker(self.engine, name, now)
            p = _Pool(picker, str(row["timezone"]), t, judged)
            self._pools[name] = p
        return p

    def choose(self, pool: str, callee: str, now: datetime | None = None) -> Chosen | None:
        """A caller id for this call, its daily slot taken; None when every number is at its cap
        or resting (the caller defers the call). PoolError when the pool does not exist."""
        now = now or utcnow()
        with self._lock:
            p = self._pool(pool, now)
            day = day_of(now, p.timezone)
            for _ in range(len(p.picker.numbers) + 1):
                pick = p.picker.pick(callee, now)
                if pick.number_id is None:
                    return None
                cap = p.picker.number(pick.number_id).cap
                if take_slot(self.engine, pick.number_id, cap, day):
                    return Chosen(pick, day)
                p.picker.mark_full(pick.number_id)
        return None

    def stamp(self, attempt_id: int, chosen: Chosen) -> None:
        """Write the shown number and the rule on the attempt, for the call page and reports."""
        with self.engine.begin() as conn:
            conn.execute(update(T.attempts).where(T.attempts.c.id == attempt_id)
                         .values(caller_id=chosen.pick.caller_id, caller_rule=chosen.pick.rule))

    def finished(self, chosen: Chosen, outcome: str, talk_ms: int) -> None:
        assert chosen.pick.number_id is not None
        record_outcome(self.engine, chosen.pick.number_id, chosen.day, outcome, talk_ms)


def check_pool(engine: Engine, name: str) -> None:
    """PoolError unless the pool exists and has numbers (a task may only name such a pool)."""
    picker, _ = load_picker(engine, name)
    if not picker.numbers:
        raise PoolError(f"caller-id pool {name[:80]!r} has no numbers", key="pool_empty", params={"pool": name[:80]})
