"""Tasks sharing a line split it by priority: strict, with a small floor for every task that has
work (nothing starves); unused share flows on; a priority change applies within a dialer round;
the same on PostgreSQL with two nodes dialling one database."""

from __future__ import annotations

import asyncio
import statistics
from collections import Counter

import pytest

from runtime.campaigns.claims import CallReport
from runtime.campaigns.dialer import Dialer, DialRequest, LineLimits
from runtime.campaigns.loading import add_numbers
from runtime.campaigns.priority import Want, allocate, allocate_int
from runtime.campaigns.tasks import update_task
from tests.support.scripts import rows, running_task


@pytest.mark.offline
def test_policy_strict_with_a_floor_for_lower_tasks() -> None:
    assert allocate_int([Want("hi", 9, 60), Want("lo", 1, 60)], 60) == {"hi": 57, "lo": 3}
    three = allocate_int([Want("hi", 9, 60), Want("mid", 5, 60), Want("lo", 1, 60)], 60)
    assert three["hi"] >= 54 and three["mid"] >= 1 and three["lo"] >= 1 and sum(three.values()) == 60
    assert allocate_int([Want("hi", 9, 5), Want("lo", 1, 60)], 60) == {"hi": 5, "lo": 55}  # unused flows on
    assert allocate([Want("a", 5, 30), Want("b", 5, 60)], 60) == {"a": 30.0, "b": 30.0}  # ties split evenly
    assert allocate_int([Want("hi", 9, 10), Want("lo", 1, 10)], 10) == {"hi": 9, "lo": 1}
    assert allocate_int([Want("a", 1, 0)], 10) == {"a": 0}


class Gauge:
    """Calls in flight per task, sampled by the test."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.inflight: Counter[int] = Counter()
        self.calls: Counter[int] = Counter()

    async def __call__(self, req: DialRequest) -> CallReport:
        self.inflight[req.task_id] += 1
        self.calls[req.task_id] += 1
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.inflight[req.task_id] -= 1
        return CallReport(outcome="connected", talk_ms=10_000)


async def _sample(dialers: list[Dialer], gauges: list[Gauge], tids: tuple[int, int], seconds: float,
                  change: tuple[float, object] | None = None) -> tuple[list[float], list[float]]:
    """Share of in-flight calls of the first task, sampled every 10 ms: (before, after) a change."""
    stop = asyncio.Event()
    runs = [asyncio.create_task(d.run(stop, tick=0.005)) for d in dialers]
    before: list[float] = []
    after: list[float] = []
    t0 = asyncio.get_running_loop().time()
    changed = False
    while (t := asyncio.get_running_loop().time() - t0) < seconds:
        await asyncio.sleep(0.01)
        if change is not None and not changed and t >= change[0]:
            await asyncio.to_thread(change[1])  # type: ignore[arg-type]
            changed, t_change = True, t
        a = sum(g.inflight[tids[0]] for g in gauges)
        b = sum(g.inflight[tids[1]] for g in gauges)
        if a + b and t > 0.2:
            share = a / (a + b)
            if not changed:
                before.append(share)
            elif t > t_change + 0.25:  # one refresh (0.1 s) plus the calls that were in flight
                after.append(share)
    stop.set()
    await asyncio.gather(*runs)
    return before, after


def _two_tasks(engine) -> tuple[int, int]:
    hi = running_task(engine, name="urgent", business="a", priority=9, max_concurrent=10, calls_per_second=1000)
    lo = running_task(engine, name="survey", business="b", priority=1, max_concurrent=10, calls_per_second=1000)
    add_numbers(engine, hi, rows([f"1391234{i:04d}" for i in range(3000)]))
    add_numbers(engine, lo, rows([f"1380013{i:04d}" for i in range(3000)]))
    return hi, lo


def _dialer(engine, runner, node: str) -> Dialer:
    return Dialer(engine, runner, node, line=LineLimits(max_concurrent=10, calls_per_second=1000), refresh_s=0.1,
                  lease_s=10)


def test_shares_follow_priority_and_a_change_applies_within_a_round(sqlite_engine) -> None:
    hi, lo = _two_tasks(sqlite_engine)
    g = Gauge(0.05)
    before, after = asyncio.run(_sample([_dialer(sqlite_engine, g, "n1")], [g], (hi, lo), 2.0,
                                        (1.0, lambda: (update_task(sqlite_engine, hi, {"priority": 0}),
                                                       update_task(sqlite_engine, lo, {"priority": 9})))))
    assert 0.8 <= statistics.median(before) <= 0.95  # policy: 9 of 10 slots
    assert g.calls[lo] > 0  # the floor: the low task never starved
    assert statistics.median(after) <= 0.2  # swapped


@pytest.mark.postgres
def test_two_nodes_on_postgresql_share_each_line_by_priority(pg_engine) -> None:
    hi, lo = _two_tasks(pg_engine)
    g1, g2 = Gauge(0.05), Gauge(0.05)
    before, _ = asyncio.run(_sample([_dialer(pg_engine, g1, "n1"), _dialer(pg_engine, g2, "n2")], [g1, g2], (hi, lo), 1.5))
    assert 0.8 <= statistics.median(before) <= 0.95
    for g in (g1, g2):  # each node dials both tasks, by the same policy
        assert g.calls[hi] > 3 * g.calls[lo] > 0
