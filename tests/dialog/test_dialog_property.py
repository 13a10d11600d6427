"""Random event sequences through every library script and the test scripts: no exception,
no stuck state, and the call record stays consistent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.builtin_phrases import BUILTIN
from designer.model import Script
from runtime.dialog.actions import HangupCall, Play, StartTimer, StopPlayback, Transfer
from runtime.dialog.engine import DialogEngine
from runtime.dialog.events import Dtmf, Hangup, PromptFinished, Speech, Timer, TransferFailed

ROOT = Path(__file__).resolve().parents[2]
SCRIPT_FILES = sorted((ROOT / "scripts_library").glob("*.json")) + sorted((Path(__file__).parent / "scripts").glob("*.json"))
ENDINGS = {"end_node", "customer_hangup", "silence", "max_turns", "max_duration", "transfer", "opt_out",
           "dead_end", "transfer_failed", "retries_exhausted"}
SAMPLE_VALUES = {"string": "张三", "number": 12, "amount": "36.5", "date": "2024-05-01", "phone": "13800138000"}


def _variables(script: Script) -> dict[str, Any]:
    return {n: v.example if v.example is not None else SAMPLE_VALUES.get(v.type, "x")
            for n, v in script.variables.items()}


def _phrases(script: Script) -> list[str]:
    out: list[str] = ["", "嗯", "今天天气怎么样", "what?", "两百块", "<noise>"]
    for node in script.nodes:
        for b in node.branches:
            if b.when.kind == "keywords":
                out += b.when.value
    for intent in script.intents.values():
        out += intent.phrases()
    for builtin in BUILTIN.values():
        out += builtin.zh[:6] + builtin.en[:4]
    return sorted(set(out))


class _Driver:
    """Remembers what the engine asked for, so events can be current or deliberately stale."""

    def __init__(self, engine: DialogEngine) -> None:
        self.e = engine
        self.now = 0
        self.play: int | None = None
        self.timers: dict[str, int] = {}
        self.transferring = False

    def apply(self, actions: list[Any]) -> None:
        for a in actions:
            if isinstance(a, Play):
                self.play = a.play_id
            elif isinstance(a, StopPlayback) and a.play_id == self.play:
                self.play = None
            elif isinstance(a, StartTimer):
                assert a.after_ms >= 0
                self.timers[a.kind] = a.token
            elif isinstance(a, Transfer):
                self.transferring = True
            elif isinstance(a, HangupCall):
                assert self.e.finished

    def send(self, event: Any) -> None:
        self.apply(self.e.handle(event))

    def step(self, op: tuple[str, Any]) -> None:
        kind, arg = op
        self.now += 200 + (arg if kind == "wait" else 0)
        t = self.now
        if kind == "speech":
            self.send(Speech(t, arg, True, 0.9))
        elif kind == "partial":
            self.send(Speech(t, arg, False, 0.9))
        elif kind == "lowconf":
            self.send(Speech(t, arg, True, 0.2))
        elif kind == "dtmf":
            self.send(Dtmf(t, arg))
        elif kind == "prompt_done":
            current = self.play
            if arg and current is not None:
                self.play = None  # before sending: the engine may start the next prompt at once
                self.send(PromptFinished(t, current))
            else:
                self.send(PromptFinished(t, (current or 0) - 1))
        elif kind in ("silence", "dtmf_timer"):
            k = "silence" if kind == "silence" else "dtmf"
            token = self.timers.get(k, 0)
            self.send(Timer(t, k, token if arg else token - 1))
        elif kind == "transfer_failed":
            self.send(TransferFailed(t))
        elif kind == "hangup":
            self.send(Hangup(t))

    def go_silent(self, limit: int) -> int:
        """The customer says nothing more: only prompts end and timers fire."""
        for n in range(limit):
            if self.e.finished:
                return n
            self.now += 1000
            if self.play is not None:
                play, self.play = self.play, None
                self.send(PromptFinished(self.now, play))
            elif self.transferring and not self.e.finished:
                self.transferring = False
                self.send(TransferFailed(self.now))
            elif "dtmf" in self.timers and self.e.collecting_dtmf:
                self.send(Timer(self.now, "dtmf", self.timers.pop("dtmf")))
            elif "silence" in self.timers and self.e.awaiting_input:
                self.send(Timer(self.now, "silence", self.timers.pop("silence")))
            else:
                no_clock = self.e.awaiting_input and self.e.silence_clock_ms == 0
                assert no_clock, f"stuck at {self.e.current_node}: nothing pending and not finished"
                self.send(Timer(self.now, "max_duration", self.timers.get("max_duration", 0)))
        return limit


def _ops(phrases: list[str]) -> st.SearchStrategy[list[tuple[str, Any]]]:
    text = st.one_of(st.sampled_from(phrases), st.text(max_size=12))
    op = st.one_of(
        st.tuples(st.just("speech"), text),
        st.tuples(st.just("partial"), text),
        st.tuples(st.just("lowconf"), text),
        st.tuples(st.just("dtmf"), st.sampled_from(list("0123456789*#"))),
        st.tuples(st.just("prompt_done"), st.booleans()),
        st.tuples(st.just("silence"), st.booleans()),
        st.tuples(st.just("dtmf_timer"), st.booleans()),
        st.tuples(st.just("transfer_failed"), st.none()),
        st.tuples(st.just("wait"), st.integers(0, 20_000)),
        st.tuples(st.just("hangup"), st.none()),
    )
    return st.lists(op, max_size=40)


def _check_record(script: Script, engine: DialogEngine) -> None:
    r = engine.record
    assert engine.finished
    assert r.ended_by in ENDINGS, r.ended_by
    assert len(r.path) == len(r.path_times) and r.path[0] == script.start
    assert r.path_times == sorted(r.path_times) and r.duration_ms >= (r.path_times[-1] if r.path_times else 0)
    assert all(n in script.by_id for n in r.path)
    assert all(t.node in r.path for t in r.turns)
    assert [t.at_ms for t in r.turns] == sorted(t.at_ms for t in r.turns)
    assert len(r.tags) == len(set(r.tags))
    labels = {rule.label for rule in script.intent_rules} | {"无意向", "no intent"}
    assert r.intent.label in labels
    last = script.by_id[r.path[-1]]
    if r.ended_by == "end_node":
        assert last.type == "end" and r.outcome == last.outcome
    if last.type != "end":
        assert r.outcome is None
    assert r.customer_spoke == any(t.kind in ("speech", "dtmf", "dtmf_timeout") for t in r.turns)
    assert all(t.branch is None or t.why for t in r.turns)
    json.dumps(r.to_dict(), ensure_ascii=False)


@pytest.mark.parametrize("path", SCRIPT_FILES, ids=[p.stem for p in SCRIPT_FILES])
def test_random_events_never_break_or_stall(path: Path) -> None:
    script = Script.from_dict(json.loads(path.read_text(encoding="utf-8")))
    variables = _variables(script)
    # bound: every listening node may ask (max_consecutive_silences + 1) times per turn budget
    bound = 20 + 6 * (script.settings.max_turns + 2) * (script.settings.max_consecutive_silences + 2)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_ops(_phrases(script)))
    def run(ops: list[tuple[str, Any]]) -> None:
        engine = DialogEngine(script, variables)
        d = _Driver(engine)
        d.apply(engine.start(0))
        for op in ops:
            d.step(op)
        used = d.go_silent(bound)
        assert engine.finished, f"not finished after {used} silent events at node {engine.current_node}"
        _check_record(script, engine)
        assert engine.handle(Speech(d.now + 1, "好的")) == []
        assert engine.handle(Hangup(d.now + 2)) == []

    run()


def test_property_material_exists() -> None:
    assert len([p for p in SCRIPT_FILES if p.parent.name == "scripts"]) >= 2
