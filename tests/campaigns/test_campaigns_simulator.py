"""The dialer running real calls: ``run_call`` with the dialog engine over the telephony simulator,
scripts taken from approved versions in the designer's store."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from campaign_helpers import rows
from sqlalchemy import select
from sqlmodel import Session

from designer import store
from runtime.campaigns import tables as T
from runtime.campaigns.loading import add_numbers
from runtime.campaigns.node import RuntimeNode
from runtime.campaigns.progress import progress
from runtime.campaigns.scripts import ScriptNotApproved, store_resolver
from runtime.campaigns.sim_runner import SimulatorRunner
from runtime.campaigns.tasks import TaskError, TaskSpec, create_task, get_task, set_status

LIB = Path(__file__).resolve().parents[2] / "scripts_library"


def _import(engine, approve=True) -> str:
    doc = json.loads((LIB / "data_pack_upgrade.json").read_text())
    with Session(engine) as s:
        v = store.import_document(s, doc, actor="designer")
        if approve:
            store.submit(s, v.script_id, v.number, actor="designer")
            store.approve(s, v.script_id, v.number, actor="reviewer")
        s.commit()
        return v.script_id


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
