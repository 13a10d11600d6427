"""The dialer picks a caller id per call from the task's pool: local first, stamped on the attempt,
counted against the day's cap; when every number is spent the call waits instead of going out
with the wrong number; a task may only name a pool that exists."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import select

from runtime.campaigns import tables as T
from runtime.campaigns.callerid.store import import_numbers, pool_numbers
from runtime.campaigns.claims import CallReport
from runtime.campaigns.dialer import DialRequest
from runtime.campaigns.loading import add_numbers
from runtime.campaigns.node import RuntimeNode
from runtime.campaigns.tasks import TaskError
from tests.support.scripts import rows, running_task

CHANGZHOU = "13912345678"
BEIJING = "13800138000"


class Recorder:
    def __init__(self) -> None:
        self.calls: list[DialRequest] = []

    async def __call__(self, req: DialRequest) -> CallReport:
        self.calls.append(req)
        return CallReport(outcome="connected", talk_ms=20_000)


def _run(engine, runner) -> None:
    node = RuntimeNode(engine, runner, lambda task, errors: [], node_id="n1", lease_s=5)
    asyncio.run(node.run(asyncio.Event(), once=True, tick=0.005))


def test_each_call_shows_the_pools_local_number_and_the_attempt_says_why(engine) -> None:
    import_numbers(engine, "local", [(1, CHANGZHOU, None), (2, BEIJING, None)])
    tid = running_task(engine, caller_pool="local", calls_per_second=1000, max_concurrent=5)
    add_numbers(engine, tid, rows(["13912340001", "13912340002", "13800000011", "13300000001"]))
    runner = Recorder()
    _run(engine, runner)
    shown = {r.phone: r.caller_id for r in runner.calls}
    assert shown["+8613912340001"] == "+86" + CHANGZHOU and shown["+8613800000011"] == "+86" + BEIJING
    with engine.connect() as c:
        stamped = {r.phone: (r.caller_id, r.caller_rule) for r in c.execute(select(T.attempts))}
    assert stamped["+8613912340002"] == ("+86" + CHANGZHOU, "city")
    assert stamped["+8613800000011"] == ("+86" + BEIJING, "city")
    assert stamped["+8613300000001"][1] in ("province", "operator", "any")
    health = {r["number"]: r for r in pool_numbers(engine, "local")}
    assert health["+86" + CHANGZHOU]["attempts"] + health["+86" + BEIJING]["attempts"] == 4
    assert health["+86" + CHANGZHOU]["answered"] >= 2 and health["+86" + CHANGZHOU]["early_hangups"] == 0


def test_when_every_number_is_at_its_cap_the_call_waits(engine) -> None:
    import_numbers(engine, "tiny", [(1, CHANGZHOU, "2")])
    tid = running_task(engine, caller_pool="tiny", calls_per_second=1000)
    add_numbers(engine, tid, rows([f"1391234000{i}" for i in range(5)]))
    runner = Recorder()
    _run(engine, runner)
    assert len(runner.calls) == 2
    with engine.connect() as c:
        waiting = c.execute(select(T.jobs.c.state, T.jobs.c.note).where(T.jobs.c.state == "queued")).all()
    assert len(waiting) == 3 and all("daily cap or resting" in (n or "") for _, n in waiting)
    assert Counter(r.caller_id for r in runner.calls) == {"+86" + CHANGZHOU: 2}


@pytest.mark.offline
def test_a_task_may_only_name_an_existing_pool(sqlite_engine) -> None:
    with pytest.raises(TaskError, match="caller_pool: no caller-id pool named 'nope'"):
        running_task(sqlite_engine, caller_pool="nope")
    with pytest.raises(TaskError, match="priority: must be 0..9"):
        running_task(sqlite_engine, priority=12)
