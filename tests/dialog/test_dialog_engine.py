"""The engine as a pure state machine, driven event by event in virtual time."""

from __future__ import annotations

from typing import Any

import pytest

from designer.model import Script
from runtime.dialog.actions import HangupCall, Listen, Play, SetTag, StartTimer, StopPlayback, Transfer
from runtime.dialog.engine import DialogEngine, InvalidVariableError, MissingVariableError
from runtime.dialog.events import Answered, Dtmf, Event, Hangup, PromptFinished, Speech, Timer, TransferFailed


def make(nodes: list[dict[str, Any]], handlers: list[dict[str, Any]] | None = None,
         settings: dict[str, Any] | None = None, variables: dict[str, Any] | None = None,
         language: str = "zh-CN", start: str = "q") -> Script:
    return Script.from_dict({
        "format": "huashu.script/1", "id": "t", "name": "t", "language": language, "start": start,
        "nodes": nodes, "global_handlers": handlers or [], "settings": settings or {},
        "variables": variables or {},
        "intent_rules": [{"label": "成功", "category": "success", "when": {"outcome": "ok"}}],
    })


def ask(nid: str = "q", branches: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": nid, "type": "say_listen", "prompt": {"text": f"问题{nid}"}, "branches": branches or [], **extra}


def end(nid: str, outcome: str = "ok") -> dict[str, Any]:
    return {"id": nid, "type": "end", "prompt": {"text": f"再见{nid}"}, "outcome": outcome}


def of(actions: list[Any], kind: type) -> list[Any]:
    return [a for a in actions if isinstance(a, kind)]


def finish_prompt(e: DialogEngine, acts: list[Any], at: int) -> list[Any]:
    plays = of(acts, Play)
    assert plays, acts
    return e.handle(PromptFinished(at, plays[-1].play_id))


YES = {"id": "yes", "when": {"intent": "affirm"}, "goto": "ok"}


def test_start_plays_listens_and_arms_timers() -> None:
    e = DialogEngine(make([ask("q", [YES]), end("ok")], settings={"silence_timeout_ms": 4000}))
    acts = e.start(0)
    assert of(acts, StartTimer)[0].kind == "max_duration"
    assert of(acts, Play)[0].text == "问题q"
    listen = of(acts, Listen)[0]
    assert listen.silence_timeout_ms == 4000 and listen.barge_in and "好的" in listen.expected
    after = finish_prompt(e, acts, 1500)
    assert after == [StartTimer("silence", 4000, after[0].token)]
    assert e.awaiting_input


def test_answer_follows_branch_and_records_the_turn() -> None:
    e = DialogEngine(make([ask("q", [YES]), end("ok")]))
    acts = e.start(0)
    finish_prompt(e, acts, 1000)
    out = e.handle(Speech(2000, "好的", True, 0.8))
    assert of(out, Play)[0].node_id == "ok"
    out = finish_prompt(e, out, 3000)
    assert of(out, HangupCall) == [HangupCall("end_node")]
    assert e.finished
    r = e.record
    assert r.path == ["q", "ok"] and r.path_times == [0, 2000]
    t = r.turns[0]
    assert (t.node, t.customer, t.confidence, t.branch, t.at_ms) == ("q", "好的", 0.8, "yes", 2000)
    assert "affirm" in t.why and t.bot == "问题q"
    assert r.ended_by == "end_node" and r.outcome == "ok" and r.duration_ms == 3000
    assert r.intent.label == "成功" and r.customer_spoke


def test_global_silence_handler_is_the_silence_path() -> None:
    script = make([ask("q", [YES]), end("ok"), end("bye", "silence")],
                  [{"id": "g_sil", "when": {"event": "silence"}, "goto": "bye"}],
                  settings={"silence_timeout_ms": 3000, "max_consecutive_silences": 3})
    e = DialogEngine(script)
    acts = e.start(0)
    t = finish_prompt(e, acts, 1000)[0]
    # the global handler is the script's path for silence: it fires at once
    out = e.handle(Timer(4000, "silence", t.token))
    assert of(out, Play)[0].node_id == "bye"
    finish_prompt(e, out, 5000)
    assert e.record.ended_by == "silence" and e.record.outcome == "silence"
    assert e.record.customer_turns[-1].kind == "silence" and not e.record.customer_spoke


def test_silence_without_any_path_repeats_the_node_then_hangs_up() -> None:
    e = DialogEngine(make([ask("q", [YES]), end("ok")], settings={"max_consecutive_silences": 2}))
    acts = e.start(0)
    t = finish_prompt(e, acts, 1000)[0]
    out = e.handle(Timer(6000, "silence", t.token))
    assert of(out, Play)[0].node_id == "q"  # asked again
    t2 = finish_prompt(e, out, 7000)[0]
    out = e.handle(Timer(12000, "silence", t2.token))
    assert out == [HangupCall("silence")] and e.finished and e.record.ended_by == "silence"


def test_node_silence_branch_with_max_times_then_else_goto() -> None:
    sil = {"id": "sil", "when": {"event": "silence"}, "goto": "q", "max_times": 1, "else_goto": "bye"}
    e = DialogEngine(make([ask("q", [YES, sil]), end("ok"), end("bye", "silence")],
                          settings={"max_consecutive_silences": 5}))
    acts = e.start(0)
    t = finish_prompt(e, acts, 1000)[0]
    out = e.handle(Timer(6000, "silence", t.token))
    t = finish_prompt(e, out, 7000)[0]
    out = e.handle(Timer(12000, "silence", t.token))
    assert of(out, Play)[0].node_id == "bye"
    assert e.record.path == ["q", "q", "bye"]


def test_speech_resets_consecutive_silences() -> None:
    e = DialogEngine(make([ask("q", [YES]), end("ok")], settings={"max_consecutive_silences": 2}))
    t = finish_prompt(e, e.start(0), 1000)[0]
    out = e.handle(Timer(6000, "silence", t.token))
    out = finish_prompt(e, out, 7000)
    out = e.handle(Speech(8000, "今天天气不错"))  # no match: asked again, silence count reset
    t = finish_prompt(e, out, 9000)[0]
    out = e.handle(Timer(14000, "silence", t.token))
    assert not e.finished and of(out, Play)


def test_stale_timer_tokens_are_ignored() -> None:
    e = DialogEngine(make([ask("q", [YES]), end("ok")]))
    t = finish_prompt(e, e.start(0), 1000)[0]
    assert e.handle(Timer(6000, "silence", t.token - 1)) == []
    restarted = e.handle(Speech(2000, "hm", final=False))  # the customer talks: the silence clock restarts
    assert e.handle(Timer(6000, "silence", t.token)) == []
    assert of(restarted, StartTimer)[0].token > t.token
    assert e.record.turns == []


def test_barge_in_allowed_stops_the_prompt() -> None:
    e = DialogEngine(make([ask("q", [YES]), end("ok")]))
    acts = e.start(0)
    play = of(acts, Play)[0]
    out = e.handle(Speech(500, "好", final=False))
    assert out[0] == StopPlayback(play.play_id) and of(out, StartTimer)[0].kind == "silence"
    out = e.handle(Speech(900, "好的"))
    assert of(out, Play)[0].node_id == "ok"
    assert e.handle(PromptFinished(1000, play.play_id)) == []  # the stopped prompt's late finish is stale


def test_barge_in_not_allowed_ignores_speech_until_prompt_ends() -> None:
    e = DialogEngine(make([ask("q", [YES], barge_in=False), end("ok")]))
    acts = e.start(0)
    assert of(acts, Play)[0].barge_in is False
    assert e.handle(Speech(500, "好的")) == []
    assert e.record.turns == [] and e.current_node == "q"
    finish_prompt(e, acts, 1000)
    out = e.handle(Speech(1500, "好的"))
    assert of(out, Play)[0].node_id == "ok"


def test_dtmf_is_never_dropped_even_without_barge_in() -> None:
    key = {"id": "k1", "when": {"dtmf": "1"}, "goto": "ok"}
    e = DialogEngine(make([ask("q", [key], barge_in=False), end("ok")]))
    e.start(0)
    out = e.handle(Dtmf(300, "1"))
    assert of(out, StopPlayback) and of(out, Play)[0].node_id == "ok"
    assert e.record.turns[0].kind == "dtmf" and e.record.turns[0].branch == "k1"


def test_dtmf_waits_for_more_digits_then_times_out() -> None:
    branches = [{"id": "k12", "when": {"dtmf": "12"}, "goto": "ok"},
                {"id": "kt", "when": {"event": "dtmf_timeout"}, "goto": "late"}]
    e = DialogEngine(make([ask("q", branches, dtmf_timeout_ms=2000), end("ok"), end("late", "late")]))
    finish_prompt(e, e.start(0), 1000)
    out = e.handle(Dtmf(1500, "1"))
    timer = of(out, StartTimer)[0]
    assert (timer.kind, timer.after_ms) == ("dtmf", 2000)
    out = e.handle(Timer(3500, "dtmf", timer.token))
    assert of(out, Play)[0].node_id == "late"
    assert e.record.customer_turns[-1].kind == "dtmf_timeout"


def test_dtmf_sequence_completes() -> None:
    branches = [{"id": "k12", "when": {"dtmf": "12"}, "goto": "ok"}]
    e = DialogEngine(make([ask("q", branches), end("ok")]))
    finish_prompt(e, e.start(0), 1000)
    timer = of(e.handle(Dtmf(1500, "1")), StartTimer)[0]
    out = e.handle(Dtmf(1700, "2"))
    assert of(out, Play)[0].node_id == "ok"
    assert e.handle(Timer(3500, "dtmf", timer.token)) == []  # stale


def test_override_handler_beats_node_branch() -> None:
    node_branch = {"id": "n", "when": {"keywords": ["打"]}, "goto": "ok"}
    e = DialogEngine(make([ask("q", [node_branch]), end("ok"), end("optout", "opt_out")],
                          [{"id": "g", "when": {"intent": "opt_out"}, "goto": "optout", "override": True,
                            "tags": ["opt_out"]}]))
    finish_prompt(e, e.start(0), 1000)
    out = e.handle(Speech(2000, "别再打了"))
    assert SetTag("opt_out") in out and of(out, Play)[0].node_id == "optout"
    finish_prompt(e, out, 3000)
    assert e.record.ended_by == "opt_out" and e.record.tags == ["opt_out"]


def test_max_times_then_else_goto() -> None:
    again = {"id": "again", "when": {"keywords": ["再来"]}, "goto": "q", "max_times": 2, "else_goto": "ok"}
    e = DialogEngine(make([ask("q", [again]), end("ok")]))
    acts = e.start(0)
    for i in range(3):
        finish_prompt(e, acts, 1000 + i * 2000)
        acts = e.handle(Speech(2000 + i * 2000, "再来"))
    assert e.record.path == ["q", "q", "q", "ok"]


def test_return_goes_back_to_the_node_the_handler_fired_from() -> None:
    who = {"id": "who", "type": "say", "prompt": {"text": "我是客服"}, "next": "@return"}
    e = DialogEngine(make([ask("q", [{"id": "n", "when": {"keywords": ["下一步"]}, "goto": "q2"}]),
                           ask("q2", [YES]), who, end("ok")],
                          [{"id": "g_who", "when": {"intent": "who_are_you"}, "goto": "who"},
                           {"id": "g_rep", "when": {"intent": "repeat"}, "goto": "@return"}]))
    finish_prompt(e, e.start(0), 1000)
    out = e.handle(Speech(2000, "下一步"))
    out = finish_prompt(e, out, 3000)
    out = e.handle(Speech(4000, "你是谁"))
    assert of(out, Play)[0].node_id == "who"
    out = finish_prompt(e, out, 5000)
    assert of(out, Play)[0].node_id == "q2"  # replayed
    out = finish_prompt(e, out, 6000)
    out = e.handle(Speech(7000, "没听清"))
    assert of(out, Play)[0].node_id == "q2"
    assert e.record.path == ["q", "q2", "who", "q2", "q2"]


def test_max_turns_ends_a_runaway_call() -> None:
    e = DialogEngine(make([ask("q", [YES]), end("ok")], settings={"max_turns": 3}))
    acts = e.start(0)
    at = 0
    while not e.finished:
        at += 1000
        finish_prompt(e, acts, at)
        acts = e.handle(Speech(at + 500, "什么天气"))
    assert e.record.ended_by == "max_turns" and len(e.record.turns) == 4
    assert acts == [HangupCall("max_turns")]


def test_max_duration_timer_ends_the_call() -> None:
    e = DialogEngine(make([ask("q", [YES]), end("ok")], settings={"max_duration_s": 60}))
    acts = e.start(0)
    timer = of(acts, StartTimer)[0]
    assert (timer.kind, timer.after_ms) == ("max_duration", 60000)
    assert e.handle(Timer(60000, "max_duration", timer.token)) == [HangupCall("max_duration")]
    assert e.record.ended_by == "max_duration"


def test_late_event_past_max_duration_ends_the_call() -> None:
    e = DialogEngine(make([ask("q", [YES]), end("ok")], settings={"max_duration_s": 10}))
    finish_prompt(e, e.start(0), 1000)
    assert e.handle(Speech(11000, "好的")) == [HangupCall("max_duration")]


def test_missing_and_invalid_variables_fail_before_the_call() -> None:
    nodes = [ask("q", [YES]) | {"prompt": {"text": "您好${name}，欠费${due}元"}}, end("ok")]
    variables = {"name": {"required": True}, "due": {"type": "amount", "required": True}}
    script = make(nodes, variables=variables)
    with pytest.raises(MissingVariableError, match="name"):
        DialogEngine(script, {"due": 3})
    with pytest.raises(InvalidVariableError, match="due"):
        DialogEngine(script, {"name": "张三", "due": "很多"})
    e = DialogEngine(script, {"name": "张三", "due": "36.5"})
    assert of(e.start(0), Play)[0].text == "您好张三，欠费三十六点五元"


def test_hangup_at_any_moment_finishes_and_silences_the_engine() -> None:
    script = make([ask("q", [YES]), end("ok")])
    events: list[Event] = [PromptFinished(1000, 1), Speech(1500, "好", final=False), Speech(2000, "好的"),
                           PromptFinished(3000, 2)]
    for cut in range(len(events) + 1):
        e = DialogEngine(script)
        e.start(0)
        for ev in events[:cut]:
            e.handle(ev)
        if e.finished:
            continue
        assert e.handle(Hangup(5000)) == []
        assert e.finished and e.record.ended_by in ("customer_hangup", "end_node")
        assert e.handle(Speech(6000, "好的")) == [] and e.handle(PromptFinished(6000, 2)) == []


def test_answered_event_starts_the_call_once() -> None:
    e = DialogEngine(make([ask("q", [YES]), end("ok")]))
    assert e.handle(Speech(0, "好的")) == []  # nothing happens before the call starts
    assert of(e.handle(Answered(0)), Play)
    assert e.handle(Answered(10)) == []


def test_hangup_before_start_finishes() -> None:
    e = DialogEngine(make([ask("q", [YES]), end("ok")]))
    assert e.handle(Hangup(0)) == [] and e.finished
    assert e.record.ended_by == "customer_hangup" and e.record.path == []
    assert e.start(0) == []


def test_condition_node_routes_on_variables() -> None:
    cond = {"id": "c", "type": "condition", "branches": [
        {"id": "neg", "when": {"expr": "balance < 0"}, "goto": "owe"}], "default": "fine"}
    script = make([cond, end("owe", "owe"), end("fine", "fine")], start="c")
    assert of(DialogEngine(script, {"balance": "-3"}).start(0), Play)[0].node_id == "owe"
    assert of(DialogEngine(script, {"balance": 5}).start(0), Play)[0].node_id == "fine"
    assert of(DialogEngine(script, {}).start(0), Play)[0].node_id == "fine"  # no value: branch is false


def test_transfer_then_failure_continues_at_next() -> None:
    tr = {"id": "tr", "type": "transfer", "prompt": {"text": "转人工"}, "queue": "vip", "next": "busy"}
    e = DialogEngine(make([ask("q", [{"id": "t", "when": {"keywords": ["人工"]}, "goto": "tr"}]), tr,
                           end("busy", "callback")]))
    finish_prompt(e, e.start(0), 1000)
    out = finish_prompt(e, e.handle(Speech(2000, "转人工")), 3000)
    assert out == [Transfer("vip")] and not e.finished
    out = e.handle(TransferFailed(4000))
    assert of(out, Play)[0].node_id == "busy"


def test_transfer_success_ends_by_transfer() -> None:
    tr = {"id": "tr", "type": "transfer", "queue": "vip"}
    e = DialogEngine(make([ask("q", [{"id": "t", "when": {"keywords": ["人工"]}, "goto": "tr"}]), tr]))
    finish_prompt(e, e.start(0), 1000)
    assert e.handle(Speech(2000, "人工")) == [Transfer("vip")]
    assert e.finished and e.record.ended_by == "transfer" and e.record.transferred_to == "vip"


def test_no_match_without_path_repeats_the_node() -> None:
    e = DialogEngine(make([ask("q", [YES]), end("ok")]))
    finish_prompt(e, e.start(0), 1000)
    out = e.handle(Speech(2000, "今天星期几"))
    assert of(out, Play)[0].node_id == "q"
    assert e.record.turns[0].branch is None and "no branch matched" in e.record.turns[0].why


def test_low_confidence_goes_to_no_match_path() -> None:
    nm = {"id": "nm", "when": {"event": "no_match"}, "goto": "unclear"}
    e = DialogEngine(make([ask("q", [YES, nm]), end("ok"), end("unclear", "unclear")]))
    finish_prompt(e, e.start(0), 1000)
    out = e.handle(Speech(2000, "好的", True, 0.2))
    assert of(out, Play)[0].node_id == "unclear"
    assert "confidence 0.20" in e.record.turns[0].why


def test_condition_loop_without_waiting_is_cut() -> None:
    c1 = {"id": "c1", "type": "condition", "branches": [], "default": "c2"}
    c2 = {"id": "c2", "type": "condition", "branches": [], "default": "c1"}
    e = DialogEngine(make([c1, c2], start="c1"))
    acts = e.start(0)
    assert e.finished and of(acts, HangupCall)


def test_silent_say_loop_is_cut_without_recursion() -> None:
    nodes = [{"id": f"s{i}", "type": "say", "next": f"s{(i + 1) % 3}"} for i in range(3)]
    e = DialogEngine(make(nodes, settings={"max_turns": 1000}, start="s0"))
    acts = e.start(0)
    assert e.finished and e.record.ended_by == "max_turns" and of(acts, HangupCall)


def test_silence_path_that_loops_back_still_ends_one_silence_later() -> None:
    sil = {"id": "sil", "when": {"event": "silence"}, "goto": "q"}  # no max_times: would loop forever
    e = DialogEngine(make([ask("q", [YES, sil]), end("ok")], settings={"max_consecutive_silences": 2}))
    acts = e.start(0)
    at = 0
    for _ in range(3):
        at += 1000
        t = finish_prompt(e, acts, at)[0]
        at += 5000
        acts = e.handle(Timer(at, "silence", t.token))
    assert acts == [HangupCall("silence")] and e.record.path == ["q", "q", "q"]
    assert [t.kind for t in e.record.turns] == ["silence"] * 3


def test_listen_carries_grammar_and_hotwords() -> None:
    node = ask("q", [{"id": "k", "when": {"keywords": ["宽带", "续费"]}, "goto": "ok"}],
               asr={"mode": "grammar", "hotwords": ["宽带"]}, silence_timeout_ms=2500, barge_in=False)
    listen = of(DialogEngine(make([node, end("ok")])).start(0), Listen)[0]
    assert listen == Listen("q", 2500, 3000, False, ("宽带", "续费"), ("宽带", "续费"), True)  # hotwords: own + keyword branches
