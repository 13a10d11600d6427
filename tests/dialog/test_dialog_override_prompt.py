"""Opt-outs and complaints are heard during any prompt, even one the customer may not interrupt."""

from __future__ import annotations

from typing import Any

from designer.model import Script
from runtime.dialog.actions import HangupCall, Listen, Play, SetTag, StopPlayback
from runtime.dialog.engine import DialogEngine
from runtime.dialog.events import Dtmf, PromptFinished, Speech

OPT = {"id": "g_opt", "when": {"intent": "opt_out"}, "goto": "bye_opt", "override": True, "tags": ["opt_out"]}
COMPLAINT = {"id": "g_comp", "when": {"intent": "complaint"}, "goto": "sorry", "override": True}
WHO = {"id": "g_who", "when": {"intent": "who_are_you"}, "goto": "bye_opt"}


def _script(barge_in: bool = True, handlers: list[dict[str, Any]] | None = None) -> Script:
    return Script.from_dict({
        "format": "huashu.script/1", "id": "t", "name": "t", "language": "zh-CN", "start": "intro",
        "settings": {"barge_in": barge_in},
        "nodes": [
            {"id": "intro", "type": "say", "prompt": {"text": "您好，这里是某某通信，给您介绍一个很长很长的优惠活动"},
             "next": "q"},
            {"id": "q", "type": "say_listen", "prompt": {"text": "您需要办理吗？"},
             "branches": [{"id": "yes", "when": {"intent": "affirm"}, "goto": "bye_ok"}]},
            {"id": "sorry", "type": "say", "prompt": {"text": "非常抱歉"}, "next": "@return"},
            {"id": "bye_ok", "type": "end", "prompt": {"text": "好的再见"}, "outcome": "ok"},
            {"id": "bye_opt", "type": "end", "prompt": {"text": "不再打扰，再见"}, "outcome": "opt_out"},
        ],
        "global_handlers": handlers if handlers is not None else [OPT, COMPLAINT, WHO],
    })


def _play(acts: list[Any]) -> Play:
    return next(a for a in acts if isinstance(a, Play))


def test_opt_out_during_a_say_node_stops_the_intro_and_is_taken() -> None:
    e = DialogEngine(_script())
    intro = _play(e.start(0))
    acts = e.handle(Speech(1500, "别再给我打电话了"))
    assert acts[0] == StopPlayback(intro.play_id)
    assert SetTag("opt_out") in acts and _play(acts).node_id == "bye_opt"
    turn = e.record.customer_turns[-1]
    assert (turn.node, turn.branch, turn.kind) == ("intro", "g_opt", "speech")
    assert "heard during the prompt of intro" in turn.why
    e.handle(PromptFinished(4000, _play(acts).play_id))
    assert e.finished and e.record.ended_by == "opt_out" and e.record.path == ["intro", "bye_opt"]


def test_other_speech_during_a_say_node_is_still_ignored() -> None:
    e = DialogEngine(_script())
    intro = _play(e.start(0))
    assert e.handle(Speech(1000, "你是谁")) == []  # a non-override handler waits for a listening node
    assert e.handle(Speech(1200, "好的")) == []
    assert e.handle(Speech(1300, "别再打了", final=False)) == []  # partial: wait for the final result
    assert e.playing == intro.play_id and e.record.customer_turns == []


def test_opt_out_during_a_prompt_without_barge_in() -> None:
    e = DialogEngine(_script(barge_in=False))
    intro = _play(e.start(0))
    q = _play(e.handle(PromptFinished(3000, intro.play_id)))
    assert e.handle(Speech(3500, "好的")) == []  # no barge-in: ordinary answers wait for the prompt's end
    acts = e.handle(Speech(3800, "我要投诉你们"))
    assert acts[0] == StopPlayback(q.play_id) and _play(acts).node_id == "sorry"
    assert e.record.customer_turns[-1].branch == "g_comp"
    # "@return" after the apology goes back to the question, which is asked again
    again = _play(e.handle(PromptFinished(5000, _play(acts).play_id)))
    assert again.node_id == "q"


def test_low_confidence_or_spent_override_is_ignored() -> None:
    e = DialogEngine(_script())
    _play(e.start(0))
    assert e.handle(Speech(1000, "别再打了", confidence=0.3)) == []
    once = dict(COMPLAINT, max_times=1)
    e = DialogEngine(_script(handlers=[once]))
    intro = _play(e.start(0))
    sorry = _play(e.handle(Speech(1000, "投诉")))
    back = _play(e.handle(PromptFinished(2000, sorry.play_id)))
    assert back.node_id == "intro" and back.play_id != intro.play_id
    assert e.handle(Speech(2500, "投诉")) == []  # spent, no else_goto: nothing to take


def test_opt_out_on_the_goodbye_of_its_own_end_node_does_not_loop() -> None:
    e = DialogEngine(_script())
    _play(e.start(0))
    bye = _play(e.handle(Speech(1000, "别打了")))
    assert e.handle(Speech(1500, "别打了")) == []
    acts = e.handle(PromptFinished(3000, bye.play_id))
    assert any(isinstance(a, HangupCall) for a in acts) and e.record.path == ["intro", "bye_opt"]


def test_opt_out_during_another_goodbye_takes_the_opt_out_path() -> None:
    e = DialogEngine(_script())
    intro = _play(e.start(0))
    q = _play(e.handle(PromptFinished(3000, intro.play_id)))
    e.handle(PromptFinished(4000, q.play_id))
    bye = _play(e.handle(Speech(4500, "好的")))
    assert bye.node_id == "bye_ok"
    acts = e.handle(Speech(5000, "以后别打了"))
    assert acts[0] == StopPlayback(bye.play_id) and _play(acts).node_id == "bye_opt"
    e.handle(PromptFinished(7000, _play(acts).play_id))
    r = e.record
    assert r.path[-1] == "bye_opt" and r.outcome == "opt_out" and r.ended_by == "opt_out" and "opt_out" in r.tags


def test_a_contradicted_yes_explains_the_no_match() -> None:
    e = DialogEngine(_script())
    intro = _play(e.start(0))
    q = _play(e.handle(PromptFinished(3000, intro.play_id)))
    e.handle(PromptFinished(4000, q.play_id))
    e.handle(Speech(4500, "好的不需要"))
    turn = e.record.customer_turns[-1]
    assert turn.branch is None
    assert "no branch matched (branch yes ('好的') dropped: affirm contradicted by '不需要')" in turn.why


def test_an_override_key_works_during_the_intro_other_keys_do_not() -> None:
    key9 = {"id": "g_key", "when": {"dtmf": "9"}, "goto": "bye_opt", "override": True, "tags": ["opt_out"]}
    e = DialogEngine(_script(handlers=[key9]))
    intro = _play(e.start(0))
    assert e.handle(Dtmf(500, "1")) == []
    acts = e.handle(Dtmf(800, "9"))
    assert acts[0] == StopPlayback(intro.play_id) and _play(acts).node_id == "bye_opt"
    t = e.record.customer_turns[-1]
    assert (t.branch, t.kind, t.customer) == ("g_key", "dtmf", "<dtmf:9>")
    assert "heard during the prompt of intro" in t.why and e.record.customer_spoke


def test_an_asr_grammar_can_hear_the_global_handlers() -> None:
    e = DialogEngine(_script())
    intro = _play(e.start(0))
    listen = next(a for a in e.handle(PromptFinished(3000, intro.play_id)) if isinstance(a, Listen))
    assert "好的" in listen.expected and "别再打了" in listen.expected and "投诉" in listen.expected
    assert len(set(listen.expected)) == len(listen.expected)
