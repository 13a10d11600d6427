"""The dialer running real calls: ``run_call`` with the dialog engine over the telephony simulator,
scripts taken from approved versions in the designer's store."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from runtime.campaigns import tables as T
from runtime.campaigns.loading import add_numbers
from runtime.campaigns.node import RuntimeNode
from runtime.campaigns.progress import progress
from runtime.campaigns.scripts import ScriptNotApproved, store_resolver
from runtime.campaigns.sim_runner import SimulatorRunner
from runtime.campaigns.tasks import TaskError, TaskSpec, create_task, get_task, set_status
from tests.support.scripts import import_approved, rows

LIB = Path(__file__).resolve().parents[2] / "scripts_library"


def _import(engine, approve=True) -> str:
    return import_approved(engine, approve=approve)


def test_only_an_approved_version_can_start(sqlite_engine):
    sid = _import(sqlite_engine, approve=False)
    task = create_task(sqlite_engine, TaskSpec(name="t", business="b", script_id=sid, script_version=1))
    with pytest.raises(TaskError, match="draft; only an approved version"):
        set_status(sqlite_engine, task.id, "start", store_resolver(sqlite_engine))
    with pytest.raises(ScriptNotApproved, match="no approved version"):
        store_resolver(sqlite_engine)(sid, None)


def test_campaign_over_the_simulator(engine):
    sid = _import(engine)
    resolver = store_resolver(engine)
    task = create_task(engine, TaskSpec(
        name="sim", business="data", script_id=sid, script_version=1, windows="", redial_count=1,
        redial_interval_s=0, redial_outcomes="no_answer,busy", call_secondary=True, max_concurrent=20,
        calls_per_second=500, mapping={"phone": "phone", "variables": {"extra_fee": "fee"}},
    ))
    set_status(engine, task.id, "start", resolver)
    phones = [f"139{i:08d}" for i in range(60)]
    add_numbers(engine, task.id, [r.__class__(r.row_no, r.phone, f"137{i:08d}", variables={"extra_fee": 30 + i})
                                  for i, r in enumerate(rows(phones))])
    runner = SimulatorRunner(resolver, seed=3, fast=True)
    node = RuntimeNode(engine, runner, lambda t, e: [], node_id="sim-node", lease_s=10)
    asyncio.run(node.run(asyncio.Event(), once=True, tick=0.005))

    p = progress(engine, task.id)
    assert p.by_state == {"done": 60}
    outcomes = p.attempts_by_outcome
    assert outcomes.get("connected", 0) > 5 and len(outcomes) >= 3, outcomes
    assert p.attempts == runner.driver.stats.placed  # every placed call has exactly one attempt row
    with engine.connect() as c:
        att = c.execute(select(T.attempts.c.outcome, T.attempts.c.record, T.attempts.c.leg, T.attempts.c.intent,
                               T.attempts.c.job_id)).all()
    connected = [a for a in att if a.outcome == "connected"]
    rec = json.loads(connected[0].record)
    assert rec["record"]["path"] and rec["record"]["turns"] is not None and connected[0].intent
    assert any(a.leg == "secondary" for a in att)  # failed primaries fell back to the secondary
    per_job: dict[int, int] = {}
    for a in att:
        per_job[a.job_id] = per_job.get(a.job_id, 0) + 1
    assert max(per_job.values()) <= 4  # two legs, one redial each
    assert get_task(engine, task.id).status == "completed"


def test_opt_out_heard_on_a_simulated_call_blacklists_the_number(sqlite_engine):
    from telephony.simulator import CarrierProfile, PersonaMix

    engine = sqlite_engine
    sid = _import(engine)
    resolver = store_resolver(engine)
    task = create_task(engine, TaskSpec(name="oo", business="data", script_id=sid, script_version=1, windows="",
                                        calls_per_second=100, max_concurrent=10))
    set_status(engine, task.id, "start", resolver)
    add_numbers(engine, task.id, [r.__class__(r.row_no, r.phone, variables={"extra_fee": 20})
                                  for r in rows([f"136{i:08d}" for i in range(10)])])
    always = CarrierProfile(answer_curve=(1.0,) * 48, invalid_share=0, powered_off_share=0, busy_share=0,
                            network_error_share=0)
    runner = SimulatorRunner(resolver, seed=2, carrier=always, personas=PersonaMix.only("opt_out"))
    asyncio.run(RuntimeNode(engine, runner, lambda t, e: [], node_id="oo").run(asyncio.Event(), once=True, tick=0.005))
    with engine.connect() as c:
        opted = set(c.execute(select(T.attempts.c.phone).where(T.attempts.c.opt_out.is_(True))).scalars())
        listed = set(c.execute(select(T.blacklist.c.phone).where(T.blacklist.c.reason == "opt_out")).scalars())
    assert opted and opted == listed  # every call that heard an opt-out blacklisted its number, no other


def _one_slot_curve(slot: int) -> str:
    return ",".join("1" if i == slot else "0" for i in range(48))


@pytest.mark.parametrize("start_hm", [(10, 0), (10, 29), (9, 35), (10, 30), (15, 0)])
def test_customer_answer_curve_decides_when_the_simulator_answers(sqlite_engine, start_hm):
    """Every customer answers only 10:00-10:30 (slot 20). The population curve says the opposite
    (never in that slot, always outside it), so only the customer's own curve can give this result."""
    from datetime import datetime

    from telephony.simulator import CarrierProfile
    from telephony.simulator.clock import CHINA_TZ

    engine = sqlite_engine
    sid = _import(engine)
    resolver = store_resolver(engine)
    in_slot = start_hm[0] * 2 + (start_hm[1] >= 30) == 20
    population = (0.0 if in_slot else 1.0,) * 48
    carrier = CarrierProfile(answer_curve=population, invalid_share=0, powered_off_share=0, busy_share=0,
                             network_error_share=0)
    task = create_task(engine, TaskSpec(name="curve", business="data", script_id=sid, script_version=1, windows="",
                                        calls_per_second=1000, max_concurrent=30))
    set_status(engine, task.id, "start", resolver)
    add_numbers(engine, task.id, [r.__class__(r.row_no, r.phone, variables={
        "extra_fee": 20, "answer_by_half_hour": _one_slot_curve(20)}) for r in rows([f"135{i:08d}" for i in range(30)])])
    start = datetime(2026, 3, 2, *start_hm, tzinfo=CHINA_TZ)
    runner = SimulatorRunner(resolver, seed=5, carrier=carrier, start=start)
    asyncio.run(RuntimeNode(engine, runner, lambda t, e: [], node_id="curve").run(asyncio.Event(), once=True, tick=0.005))
    with engine.connect() as c:
        got = [(o, datetime.fromisoformat(json.loads(r)["started_at"])) for o, r in
               c.execute(select(T.attempts.c.outcome, T.attempts.c.record)).all()]
    assert len(got) == 30
    answered = {o == "connected" for o, _ in got if o != "cancelled"}
    for outcome, when in got:  # the dial's own (virtual) time decides, also when a run crosses 10:30
        if when.hour * 2 + (when.minute >= 30) == 20:
            assert outcome == "connected", (outcome, when)
        else:
            assert outcome != "connected", (outcome, when)
    assert answered == {in_slot} or (start_hm == (10, 29) and answered == {True, False})


def test_a_broken_answer_curve_cancels_only_that_call(sqlite_engine):
    engine = sqlite_engine
    sid = _import(engine)
    resolver = store_resolver(engine)
    task = create_task(engine, TaskSpec(name="bad", business="data", script_id=sid, script_version=1, windows="",
                                        calls_per_second=1000, max_concurrent=5))
    set_status(engine, task.id, "start", resolver)
    add_numbers(engine, task.id, [
        r.__class__(r.row_no, r.phone, variables={"extra_fee": 20, "answer_by_half_hour": curve})
        for r, curve in zip(rows(["13400000001", "13400000002"]), ["0.5,0.5", _one_slot_curve(20)], strict=True)])
    runner = SimulatorRunner(resolver, seed=1)
    asyncio.run(RuntimeNode(engine, runner, lambda t, e: [], node_id="bad").run(asyncio.Event(), once=True, tick=0.005))
    with engine.connect() as c:
        got = dict(c.execute(select(T.attempts.c.phone, T.attempts.c.cause)).all())
    assert "needs 48 half-hour values, got 2" in got["+8613400000001"]
    assert not got["+8613400000002"].startswith("bad_variables")
    assert runner.driver.stats.placed == 1


def _cli(args: list[str]):
    from click.testing import CliRunner

    from huashu.cli import cli

    return CliRunner().invoke(cli, args)


def test_runtime_run_refuses_a_missing_or_broken_best_times_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'bt.db'}"
    r = _cli(["runtime", "run", "--db", url, "--once", "--best-times", str(tmp_path / "nope.json")])
    assert r.exit_code == 2 and "--best-times" in r.output and "no such file" in r.output and "Traceback" not in r.output
    r = _cli(["runtime", "run", "--db", url, "--once", "--best-times", str(tmp_path)])
    assert r.exit_code == 2 and "directory" in r.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"rates": 3}')
    r = _cli(["runtime", "run", "--db", url, "--once", "--best-times", str(bad)])
    assert r.exit_code == 1 and "not a best-time file" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "bt.db").exists()  # refused before the node opened anything


@pytest.mark.parametrize(("best_slot", "hhmm"), [(20, "10:00"), (32, "16:00")])
def test_runtime_run_defers_best_time_numbers_with_the_given_file(tmp_path, monkeypatch, best_slot, hhmm):
    """A best-time task from a saved audience, run by ``huashu runtime run --once --best-times F``
    at 09:00: every number waits for the best slot F names for its segment."""
    import sys
    from datetime import UTC, datetime

    import numpy as np

    import runtime.campaigns.compliance
    import runtime.campaigns.loading
    import runtime.campaigns.node
    import runtime.campaigns.scheduler  # noqa: F401  (patched below with the rest)
    from huashu.core.db import init_db, make_engine
    from runtime.analytics.besttime import SlotRate, save_rates
    from runtime.audience.control import set_policy
    from runtime.audience.store import save_audience
    from telephony.simulator.clock import CHINA_TZ

    now = datetime(2026, 7, 1, 9, 0, tzinfo=CHINA_TZ).astimezone(UTC)
    for name, mod in list(sys.modules.items()):
        if name.startswith("runtime.campaigns.") and getattr(mod, "utcnow", None) is not None:
            monkeypatch.setattr(mod, "utcnow", lambda: now)
    url = f"sqlite:///{tmp_path / 'bt.db'}"
    engine = make_engine(url)
    init_db(engine)
    sid = _import(engine)
    frame = {"customer_id": np.arange(1, 4, dtype=np.int64),
             "phone": np.asarray([f"1330000000{i}" for i in range(1, 4)], dtype=object),
             "chronotype": np.asarray(["retiree"] * 3, dtype=object)}
    with Session(engine) as s:
        set_policy(s, 0.0, "bt-salt")
        aud = save_audience(s, "bt", frame, np.arange(3), None, "rule")
        s.commit()
        aid = aud.id
    task = create_task(engine, TaskSpec(name="bt", business="data", script_id=sid, script_version=1, audience_id=aid,
                                        best_time=True, windows="09:00-12:00,13:30-20:00"))
    set_status(engine, task.id, "start", store_resolver(engine))
    rates = [SlotRate("retiree", s, 400, 360 if s == best_slot else 40, 0.9 if s == best_slot else 0.1)
             for s in range(18, 40)]
    path = save_rates(rates, tmp_path / "rates.json", "chronotype")
    r = _cli(["runtime", "run", "--db", url, "--once", "--json", "--best-times", str(path), "--node-id", "bt"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output.strip().splitlines()[-1])["calls_started"] == 0  # nobody is due at 09:00
    with engine.connect() as c:
        got = c.execute(select(T.jobs.c.state, T.jobs.c.note)).all()
    assert len(got) == 3 and all(state == "queued" and f"best time {hhmm}" in (note or "") for state, note in got), got
    engine.dispose()
