"""Answer handling per task: stored on the task, set by `huashu campaign create` and the API,
applied by the runner over the node's setting (issue 21 point 2: "configurable per task")."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from huashu.cli import cli
from huashu.core.db import init_db, make_engine
from runtime.answer.consequences import AnswerSetup
from runtime.answer.per_task import TaskAnswer, check_task_answer, resolve_setup
from runtime.answer.references import default_spotter
from runtime.answer.voices import scene_voice
from runtime.campaigns import tables as T
from runtime.campaigns.loading import add_numbers
from runtime.campaigns.mapping import CustomerRow
from runtime.campaigns.node import RuntimeNode
from runtime.campaigns.scripts import store_resolver
from runtime.campaigns.sim_runner import SimulatorRunner
from runtime.campaigns.tasks import TaskError, TaskSpec, create_task, set_status, update_task
from tests.api.conftest import app_env  # noqa: F401 - the app over a fresh database
from tests.support.amd_scenes import CAMPAIGN_PROFILE, START, number_for
from tests.support.scripts import import_approved

ROOT = Path(__file__).resolve().parents[2]
NODE = AnswerSetup(spotter=None, on_machine="message", message="node message", screener_text="node screener")


def _default() -> AnswerSetup:
    return AnswerSetup(spotter=None, screener_text="built-in")


def test_the_task_switches_it_on_or_off_over_the_node() -> None:
    assert resolve_setup(NODE, None, _default) is NODE  # a request without task settings: the runner's
    assert resolve_setup(NODE, TaskAnswer(), _default) is NODE  # "node": the node's
    assert resolve_setup(None, TaskAnswer(), _default) is None
    assert resolve_setup(NODE, TaskAnswer("off"), _default) is None
    assert resolve_setup(None, TaskAnswer("on"), _default) == _default()  # on where the node is off
    assert resolve_setup(NODE, TaskAnswer("on"), _default) is NODE


def test_the_task_machine_action_overrides_the_node_field_by_field() -> None:
    s = resolve_setup(NODE, TaskAnswer("node", on_machine="hangup"), _default)
    assert s is not None and (s.on_machine, s.message, s.screener_text) == ("hangup", "node message", "node screener")
    s = resolve_setup(NODE, TaskAnswer("on", screener_text=""), _default)  # empty: hang up on screeners
    assert s is not None and s.screener_text == "" and s.on_machine == "message"
    s = resolve_setup(None, TaskAnswer("on", on_machine="message", message="请回电 95555"), _default)
    assert s is not None and (s.on_machine, s.message, s.screener_text) == ("message", "请回电 95555", "built-in")


@pytest.mark.parametrize(("bad", "field"), [
    (TaskAnswer("sometimes"), "answer_mode"),
    (TaskAnswer("on", on_machine="transfer"), "answer_on_machine"),
    (TaskAnswer("on", on_machine="message"), "answer_message"),
    (TaskAnswer("on", on_machine="message", message="  "), "answer_message"),
    (TaskAnswer("on", message="x" * 501), "answer_message"),
    (TaskAnswer("on", screener_text="hi\x1b[2J"), "answer_screener_text"),
    (TaskAnswer("on", screener_text="a\u202eb"), "answer_screener_text"),
    (TaskAnswer("on", message=3), "answer_message"),  # type: ignore[arg-type]
    (TaskAnswer("off", on_machine="hangup"), "answer_mode"),
])
def test_bad_task_answer_settings_name_the_field(bad: TaskAnswer, field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        check_task_answer(bad)


def _import(engine) -> str:
    return import_approved(engine)


def _spec(sid: str, **kw) -> TaskSpec:
    return TaskSpec(name=kw.pop("name", "t"), business=kw.pop("business", "recharge"), script_id=sid, script_version=1, windows="",
                    max_concurrent=5, calls_per_second=500,
                    mapping={"phone": "phone", "variables": {"extra_fee": "fee"}}, **kw)


def test_stored_on_the_task_and_refused_with_the_field_named(engine) -> None:
    sid = _import(engine)
    t = create_task(engine, _spec(sid, answer_mode="on", answer_on_machine="message", answer_message="请回电"))
    with engine.connect() as c:
        row = c.execute(select(T.tasks).where(T.tasks.c.id == t.id)).one()
    assert (row.answer_mode, row.answer_on_machine, row.answer_message, row.answer_screener_text) == (
        "on", "message", "请回电", None)
    assert create_task(engine, _spec(sid, name="plain")).answer_mode == "node"
    with pytest.raises(TaskError, match="^answer_on_machine:"):
        create_task(engine, _spec(sid, answer_on_machine="shout"))
    with pytest.raises(TaskError, match="^answer_message:"):
        update_task(engine, t.id, {"answer_message": None})  # message mode without a message
    assert update_task(engine, t.id, {"answer_mode": "off", "answer_on_machine": None,
                                      "answer_message": None}).answer_mode == "off"


def test_campaign_create_options(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    init_db(engine)
    sid = _import(engine)
    base = ["campaign", "--db", url, "create", "--name", "x", "--business", "b", "--script", sid, "--numbers-later"]
    res = CliRunner().invoke(cli, [*base, "--answer", "on", "--on-machine", "message", "--machine-message", "稍后回电",
                                   "--screener-text", "移动客服，关于流量包", "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    task = json.loads(res.output)
    assert (task["answer_mode"], task["answer_on_machine"], task["answer_message"], task["answer_screener_text"]) == (
        "on", "message", "稍后回电", "移动客服，关于流量包")
    res = CliRunner().invoke(cli, [*base, "--on-machine", "message"], catch_exceptions=False)
    assert res.exit_code == 1 and "answer_message:" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(cli, [*base, "--answer", "maybe"], catch_exceptions=False)
    assert res.exit_code == 2 and "--answer" in res.output
    engine.dispose()


@pytest.mark.audio
def test_the_runner_applies_each_task_s_setting(engine) -> None:
    """Node off, one task on: its announcement is recognised and cancelled; the same scene
    for a task with classification off is not classified."""
    sid = _import(engine)
    resolver = store_resolver(engine)
    on = create_task(engine, _spec(sid, name="on", business="a", answer_mode="on"))
    off = create_task(engine, _spec(sid, name="off", business="b", answer_mode="off"))
    # a number each (the first call puts an announced-invalid number on the global blacklist, which
    # would drop the other task's call to the same number if it came second), each playing the
    # announcement whichever of the two attempt ids it gets
    phone = {t.id: number_for("announcement_invalid", "early", CAMPAIGN_PROFILE, prefix="+86", attempts=2, skip=i)
             for i, t in enumerate((on, off))}
    for t in (on, off):
        set_status(engine, t.id, "start", resolver)
        add_numbers(engine, t.id, [CustomerRow(2, phone[t.id], None, customer_id="c", variables={"extra_fee": 5})])
    runner = SimulatorRunner(resolver, seed=1, fast=True, carrier=CAMPAIGN_PROFILE, start=START,
                             scene_voice=scene_voice(), answer=None)
    runner._task_default = AnswerSetup(spotter=default_spotter())  # the built-in tables, rendered once per process
    node = RuntimeNode(engine, runner, lambda t, e: [], node_id="sim", lease_s=10)
    asyncio.run(node.run(asyncio.Event(), once=True, tick=0.005))
    with engine.connect() as c:
        att = {a.task_id: a for a in c.execute(select(T.attempts.c.task_id, T.attempts.c.outcome, T.attempts.c.record))}
    assert att[on.id].outcome == "announcement_invalid"
    assert json.loads(att[on.id].record)["answer"][-1]["class"] == "announcement_invalid"
    assert att[off.id].outcome != "announcement_invalid"
    assert not json.loads(att[off.id].record).get("answer")


def test_the_api_takes_the_task_s_answer_fields(app_env) -> None:  # noqa: F811
    from tests.api.test_api_campaigns import _auth

    client, engine = app_env
    h = _auth(client, engine)
    base = {"name": "api", "business": "data", "script_id": "data-pack-upgrade", "script_version": 1, "windows": ""}
    r = client.post("/api/v1/tasks", headers=h, json={**base, "answer_mode": "on", "answer_on_machine": "message",
                                                      "answer_message": "请回电 95555"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["answer_mode"], body["answer_on_machine"], body["answer_message"]) == ("on", "message", "请回电 95555")
    r = client.post("/api/v1/tasks", headers=h, json={**base, "answer_on_machine": "message"})
    assert r.status_code == 400 and "answer_message:" in r.text
    r = client.post("/api/v1/tasks", headers=h, json={**base, "answer_mode": "always"})
    assert r.status_code == 400 and "answer_mode" in r.text
    r = client.post("/api/v1/tasks", headers=h, json={**base, "answer_screener_text": "x\u0000y"})
    assert r.status_code == 400 and "answer_screener_text:" in r.text
