"""Consequences of what answered: redial per outcome, the invalid number marked for every later
campaign, reachability counted apart from the connect rate."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from runtime.answer.consequences import AnswerSetup
from runtime.answer.references import default_spotter
from runtime.answer.voices import scene_voice
from runtime.campaigns import tables as T
from runtime.campaigns.loading import add_numbers
from runtime.campaigns.mapping import CustomerRow
from runtime.campaigns.node import RuntimeNode
from runtime.campaigns.policy import RedialPolicy, next_step, parse_outcomes
from runtime.campaigns.scripts import store_resolver
from runtime.campaigns.sim_runner import SimulatorRunner
from runtime.campaigns.tasks import TaskSpec, create_task, set_status
from telephony.outcomes import OUTCOME_LABELS_ZH, REACHABILITY_OUTCOMES, Outcome, outcome_for_answer_class
from tests.support.amd_scenes import CAMPAIGN_PROFILE, START, number_for
from tests.support.scripts import import_approved

ROOT = Path(__file__).resolve().parents[2]
NOON = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 12:00 in China
POLICY = RedialPolicy(count=2, interval_s=600, outcomes=frozenset({"no_answer", "busy", "unreachable"}),
                      call_secondary=True)


def test_every_new_outcome_has_a_label_and_a_class() -> None:
    for o in REACHABILITY_OUTCOMES:
        assert OUTCOME_LABELS_ZH[o] and outcome_for_answer_class(o.value) is o
    assert outcome_for_answer_class("human") is None and outcome_for_answer_class("ringback") is None
    assert parse_outcomes("announcement_busy,voicemail") == {"announcement_busy", "voicemail"}


@pytest.mark.parametrize("outcome", ["announcement_invalid", "announcement_suspended", "fax"])
def test_invalid_and_suspended_are_never_redialled_in_this_campaign(outcome: str) -> None:
    wide = RedialPolicy(count=5, outcomes=frozenset({outcome, "no_answer"}))
    assert next_step(wide, "secondary", 1, outcome, None, NOON).action == "done"


def test_announced_failures_still_fall_back_to_the_secondary_number() -> None:
    step = next_step(RedialPolicy(count=0, call_secondary=True), "primary", 1, "announcement_suspended", "13900000000", NOON)
    assert (step.action, step.phone) == ("secondary", "13900000000")


def test_switched_off_is_redialled_later_the_same_day_only() -> None:
    two_hours = RedialPolicy(count=0, interval_s=7200, outcomes=frozenset())
    step = next_step(two_hours, "primary", 1, "announcement_powered_off", None, NOON)
    assert step.action == "redial" and step.not_before == NOON + timedelta(hours=2)
    late = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
    assert next_step(two_hours, "primary", 1, "announcement_powered_off", None, late).action == "done"
    assert next_step(RedialPolicy(count=2), "primary", 3, "announcement_powered_off", None, NOON).action == "done"


@pytest.mark.parametrize(("outcome", "twin"), [("announcement_busy", "busy"), ("announcement_unreachable", "unreachable"),
                                               ("voicemail", "no_answer"), ("screening", "no_answer")])
def test_other_verdicts_follow_their_signalling_twin(outcome: str, twin: str) -> None:
    on = RedialPolicy(count=1, interval_s=60, outcomes=frozenset({twin}))
    off = RedialPolicy(count=1, interval_s=60, outcomes=frozenset({"rejected"}))
    assert next_step(on, "primary", 1, outcome, None, NOON).action == "redial"
    assert next_step(off, "primary", 1, outcome, None, NOON).action == "done"


def _import(engine) -> str:
    return import_approved(engine)


@pytest.mark.audio
def test_campaign_on_the_simulator_outcomes_redials_and_the_invalid_number_marked(engine) -> None:
    sid = _import(engine)
    resolver = store_resolver(engine)
    task = create_task(engine, TaskSpec(
        name="semi-suspended", business="recharge", script_id=sid, script_version=1, windows="", redial_count=1,
        redial_interval_s=60, redial_outcomes="no_answer,busy", max_concurrent=5, calls_per_second=500,
        mapping={"phone": "phone", "variables": {"extra_fee": "fee"}},
    ))
    set_status(engine, task.id, "start", resolver)
    wanted = {label: number_for(label, "early", CAMPAIGN_PROFILE, prefix="+86", attempts=4) for label in
              ("announcement_invalid", "announcement_suspended", "announcement_powered_off")}
    add_numbers(engine, task.id, [CustomerRow(i + 2, p, None, customer_id=f"c{i}", variables={"extra_fee": 5})
                                  for i, p in enumerate(wanted.values())])
    runner = SimulatorRunner(resolver, seed=1, fast=True, carrier=CAMPAIGN_PROFILE, start=START, scene_voice=scene_voice(),
                             answer=AnswerSetup(spotter=default_spotter()))
    node = RuntimeNode(engine, runner, lambda t, e: [], node_id="sim", lease_s=10)
    asyncio.run(node.run(asyncio.Event(), once=True, tick=0.005))

    with engine.connect() as c:
        att = {a.phone: a for a in c.execute(select(T.attempts.c.phone, T.attempts.c.outcome, T.attempts.c.cause,
                                                    T.attempts.c.record))}
        jobs = {j.phone: j for j in c.execute(select(T.jobs.c.phone, T.jobs.c.state, T.jobs.c.not_before,
                                                     T.jobs.c.attempts))}
        bl = set(c.execute(select(T.blacklist.c.phone, T.blacklist.c.reason)))
    e164 = {k: "+86" + v for k, v in wanted.items()}
    for label, phone in e164.items():
        assert att[phone].outcome == label, (label, json.loads(att[phone].record)["answer"])
    # we cancel as soon as the announcement is recognised (the line is free ~2 s later); the
    # cause says so, the verdict and its evidence are in the record
    inv = att[e164["announcement_invalid"]]
    assert inv.cause == "ORIGINATOR_CANCEL"
    assert json.loads(inv.record)["answer"][-1]["evidence"][-1]["kind"] == "phrase"
    assert jobs[e164["announcement_invalid"]].state == "done"
    assert jobs[e164["announcement_suspended"]].state == "done" and jobs[e164["announcement_suspended"]].attempts == 1
    off = jobs[e164["announcement_powered_off"]]
    assert off.state == "queued" and off.not_before is not None  # later the same day, after the task's interval
    assert off.attempts == 1
    assert (e164["announcement_invalid"], "invalid_number") in bl  # no later campaign dials it
    assert not any(p == e164["announcement_suspended"] for p, _ in bl)


def test_report_counts_reachability_apart_from_the_connect_rate() -> None:
    import numpy as np

    from runtime.analytics.report import build_report
    from runtime.analytics.store import AnalyticsStore

    outcomes = ["connected"] * 4 + ["announcement_suspended"] * 3 + ["voicemail", "no_answer"]
    n = len(outcomes)
    calls = {
        "call_id": np.arange(n), "campaign_id": np.ones(n, dtype=np.int64), "customer_id": np.arange(n),
        "number": np.array([f"1380000{i:04d}" for i in range(n)], dtype=object),
        "started_at": np.array([np.datetime64("2026-03-02T04:00:00", "us")] * n),
        "answered": np.array([o == "connected" for o in outcomes]),
        "outcome": np.array(outcomes, dtype=object), "talk_s": np.array([30.0 if o == "connected" else 0.0 for o in outcomes]),
        "intent_label": np.array([""] * n, dtype=object),
        "intent_category": np.array(["no_intent" if o == "connected" else "" for o in outcomes], dtype=object),
        "last_node": np.array([""] * n, dtype=object), "node_path": np.array([""] * n, dtype=object),
        "tags": np.array([""] * n, dtype=object),
    }
    st = AnalyticsStore(":memory:")
    st.add_calls(calls)
    rep = build_report(st, 1)
    assert rep["summary"]["connect_rate"] == round(4 / 9, 4)
    r = rep["reachability"]
    assert r["calls"] == 4 and r["fully_suspended"] == 3
    assert {o["outcome"] for o in r["by_outcome"]} == {"announcement_suspended", "voicemail"}
    assert Outcome.VOICEMAIL in REACHABILITY_OUTCOMES


def test_the_printed_report_shows_reachability_and_the_fully_suspended(capsys: pytest.CaptureFixture[str]) -> None:
    from huashu.cli.report import _render

    report = {
        "summary": {"campaign_id": 1, "first_call": None, "last_call": None, "attempts": 10, "connected": 4,
                    "connect_rate": 0.4, "avg_talk_s": 20, "customers": 10, "effective_calls": 2},
        "funnel": [], "outcomes": [], "nodes": [], "slots": [], "best_slot": None, "outcome_table": [],
        "distributions": {}, "control": None,
        "reachability": {"by_outcome": [{"outcome": "announcement_suspended", "calls": 3, "share": 0.3}],
                         "calls": 3, "share": 0.3, "fully_suspended": 3},
    }
    _render(report)
    out = capsys.readouterr().out
    assert "Reachability" in out and "announcement_suspended" in out
    assert "fully suspended (停机 announcement): 3 calls" in out


def test_the_demo_runner_plays_a_chinese_network_and_classifies_it() -> None:
    from huashu.demo.runner import DemoRunner

    r = DemoRunner(lambda sid, v: {}, seed=7)
    assert r.driver.carrier.region == "cn" and r.driver.carrier.announce_share > 0.5
    assert r.answer is not None and r.answer.spotter is not None and r.driver.scene_voice is not None
