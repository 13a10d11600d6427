"""How tasks sharing one line split its concurrency and calls per second: strict priority with a
small reserved floor for every task that has work. Pure.

Policy: first every task with demand gets a floor — an equal part of ``reserve`` (10%) of the
line, never above its demand; then the rest goes strictly by priority, highest first, tasks of
equal priority splitting evenly (water-filling), each up to its demand; what a task cannot use
flows on to the next. Why: an urgent collection reminder must not wait behind a survey (strict
priority gives it at least 90% of the line), but pure strict priority starves a low task for
as long as a big high one has numbers, and weighted fair sharing would slow the urgent task in
proportion to how many others run. The floor bounds both: the top task keeps ≥ 90%, every other
task keeps moving.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import NamedTuple

__all__ = ["Want", "RESERVE", "allocate", "allocate_int"]

#: share of the line kept back for floors (split evenly among the tasks with demand)
RESERVE = 0.10


class Want(NamedTuple):
    key: Hashable
    priority: int
    demand: float


def _fill(wants: Sequence[Want], got: dict[Hashable, float], capacity: float) -> float:
    """Water-fill ``capacity`` among ``wants`` (equal priority) up to each demand; returns what is left."""
    active = [w for w in wants if got[w.key] < w.demand]
    while capacity > 1e-12 and active:
        each = capacity / len(active)
        nxt = []
        for w in active:
            give = min(each, w.demand - got[w.key])
            got[w.key] += give
            capacity -= give
            if got[w.key] < w.demand - 1e-12:
                nxt.append(w)
        if len(nxt) == len(active):
            break
        active = nxt
    return max(0.0, capacity)


def allocate(wants: Sequence[Want], capacity: float, reserve: float = RESERVE) -> dict[Hashable, float]:
    """Each task's share of ``capacity`` (calls per second, or slots before rounding)."""
    got: dict[Hashable, float] = {w.key: 0.0 for w in wants}
    active = [w for w in wants if w.demand > 0]
    if not active or capacity <= 0:
        return got
    floor = capacity * reserve / len(active)
    for w in active:
        got[w.key] = min(w.demand, floor)
    left = capacity - sum(got.values())
    for prio in sorted({w.priority for w in active}, reverse=True):
        left = _fill([w for w in active if w.priority == prio], got, left)
    return got


def allocate_int(wants: Sequence[Want], capacity: int, reserve: float = RESERVE) -> dict[Hashable, int]:
    """Whole slots: the float shares rounded down, leftovers to the highest priority first; a task
    with demand and a non-zero share keeps at least one slot while the line has one to give."""
    shares = allocate(wants, float(capacity), reserve)
    out = {k: math.floor(v + 1e-9) for k, v in shares.items()}
    left = capacity - sum(out.values())
    order = sorted(wants, key=lambda w: (out[w.key] > 0, -w.priority))  # the starved first, then by priority
    for w in order:
        if left <= 0:
            break
        if out[w.key] < w.demand and shares[w.key] > 0:
            out[w.key] += 1
            left -= 1
    return out
