"""RuntimeNode.serve: the node as ``huashu runtime run`` and the demo run it — metrics and health
endpoints while it runs, its calls counted, progress reports that can stop it, a timeout, the
runner closed, and a ``once`` summary saying why numbers were left."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest
from sqlalchemy.engine import Engine

from runtime.campaigns.claims import CallReport
from runtime.campaigns.dialer import DialRequest, LineLimits
from runtime.campaigns.loading import add_numbers
from runtime.campaigns.node import RuntimeNode
from runtime.campaigns.supervision import NodeSetupError, Supervision, TaskProgress
from runtime.health import MeteredRunner
from tests.support.scripts import rows, running_task


class Runner:
    """Answers every call; while calls run, asks the node's health endpoint (when one is served)."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.closed = False
        self.health_url: str | None = None
        self.health: list[int] = []

    async def __call__(self, req: DialRequest) -> CallReport:
        self.calls.append(req.phone)
        if self.health_url is not None:
            async with httpx.AsyncClient() as client:
                self.health.append((await client.get(self.health_url)).status_code)
        return CallReport(outcome="connected", talk_ms=20_000)

    async def aclose(self) -> None:
        self.closed = True


def _node(engine: Engine, runner: Runner) -> RuntimeNode:
    return RuntimeNode(engine, runner, lambda task, errors: [], node_id="serve-test", lease_s=5,
                       line=LineLimits(10, 1000.0), schedule_every_s=0.05)


def test_once_dials_everything_serves_health_meanwhile_and_closes_the_runner(engine: Engine) -> None:
    tid = running_task(engine, calls_per_second=1000, max_concurrent=5)
    add_numbers(engine, tid, rows(["13800000011", "13800000021", "13800000031"]))
    runner, said = Runner(), []
    node = _node(engine, runner)

    def say(line: str) -> None:
        said.append(line)
        if line.startswith("metrics on "):
            runner.health_url = line.split()[2].replace("/metrics", "/healthz")

    result = asyncio.run(node.serve(Supervision(once=True, metrics_at=("127.0.0.1", 0), say=say, signals=False)))
    assert (result.node_id, result.calls_started) == ("serve-test", 3) and len(runner.calls) == 3
    assert runner.health == [200, 200, 200] and runner.closed
    assert isinstance(node.dialer.runner, MeteredRunner)  # its calls are in the node's metrics
    assert isinstance(result.not_dialled, list)
    with httpx.Client() as client, pytest.raises(httpx.TransportError):  # the endpoint closed with the node
        client.get(str(runner.health_url), timeout=1)


def test_a_progress_report_hears_running_tasks_and_can_stop_the_node(engine: Engine) -> None:
    tid = running_task(engine, name="watched", schedule_kind="cron", cron="0 9 * * *")  # runs until stopped
    heard: list[list[TaskProgress]] = []

    def report(tasks: list[TaskProgress]) -> bool:
        heard.append(tasks)
        return len(heard) == 2

    result = asyncio.run(_node(engine, Runner()).serve(
        Supervision(progress_every_s=0.05, on_progress=report, signals=False, timeout_s=30)))
    assert len(heard) == 2 and [(t.task_id, t.name) for t in heard[0]] == [(tid, "watched")]
    assert result.not_dialled == []  # only a once run explains what it left


def test_the_timeout_stops_a_node_with_nothing_to_do(engine: Engine) -> None:
    loop_time = asyncio.run(_timed(_node(engine, Runner()), Supervision(timeout_s=0.2, signals=False)))
    assert 0.2 <= loop_time < 10


async def _timed(node: RuntimeNode, sup: Supervision) -> float:
    loop = asyncio.get_running_loop()
    began = loop.time()
    await node.serve(sup)
    return loop.time() - began


def test_a_taken_metrics_port_stops_the_node_before_any_call(engine: Engine) -> None:
    tid = running_task(engine, calls_per_second=1000)
    add_numbers(engine, tid, rows(["13800000011"]))
    runner = Runner()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(NodeSetupError, match=f"cannot serve metrics on 127.0.0.1:{port}"):
            asyncio.run(_node(engine, runner).serve(Supervision(once=True, metrics_at=("127.0.0.1", port))))
    assert runner.calls == []


def test_an_external_stop_event_ends_serve(engine: Engine) -> None:
    async def main() -> int:
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(0.2, stop.set)
        return (await _node(engine, Runner()).serve(Supervision(signals=False), stop)).calls_started

    assert asyncio.run(main()) == 0
