"""Barge-in in the test harness: <barge:text> and <barge@MS:text> replies speak over the bot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from designer.model import Script
from huashu.cli import cli as huashu
from runtime.dialog.harness import (
    BARGE_INTO_MS,
    REPLY_DELAY_MS,
    ChatSession,
    Reply,
    ReplyError,
    parse_replies,
    parse_reply,
    prompt_ms,
    run_script,
)

INTRO = "您好，这里是某某通信，给您介绍一个优惠活动"
QUESTION = "这个套餐每月只要十九元，您需要办理吗？"


def _doc(barge_in: bool = True) -> dict[str, Any]:
    return {
        "format": "huashu.script/1", "id": "b", "name": "b", "language": "zh-CN", "start": "intro",
        "settings": {"barge_in": barge_in},
        "nodes": [
            {"id": "intro", "type": "say", "prompt": {"text": INTRO}, "next": "q"},
            {"id": "q", "type": "say_listen", "prompt": {"text": QUESTION},
             "branches": [{"id": "yes", "when": {"intent": "affirm"}, "goto": "bye_ok"},
                          {"id": "no", "when": {"intent": "deny"}, "goto": "bye_no"},
                          {"id": "silent", "when": {"event": "silence"}, "goto": "q", "max_times": 2,
                           "else_goto": "bye_no"},
                          {"id": "unclear", "when": {"event": "no_match"}, "goto": "q", "max_times": 2,
                           "else_goto": "bye_no"}]},
            {"id": "bye_ok", "type": "end", "prompt": {"text": "好的再见"}, "outcome": "ok"},
            {"id": "bye_no", "type": "end", "prompt": {"text": "打扰了再见"}, "outcome": "no"},
            {"id": "bye_opt", "type": "end", "prompt": {"text": "不再打扰"}, "outcome": "opt_out"},
        ],
        "global_handlers": [{"id": "g_opt", "when": {"intent": "opt_out"}, "goto": "bye_opt", "override": True}],
    }


def _ms(text: str) -> int:
    return prompt_ms(text, True)


@pytest.mark.parametrize(("line", "reply"), [
    ("<barge:好的>", Reply("barge", "好的")),
    ("<BARGE @ 1500 : 别再打了>", Reply("barge", "别再打了", 1500)),
])
def test_parse_barge(line: str, reply: Reply) -> None:
    assert parse_reply(line) == reply
    assert parse_reply(str(reply)) == reply


@pytest.mark.parametrize("line", ["<barge:>", "<barge@x:好>", "<silence@300>", "<dtmf@1:1>"])
def test_bad_barge_tokens_say_where(line: str) -> None:
    with pytest.raises(ReplyError, match="line 1"):
        parse_replies([line])


def test_barge_talks_over_the_question_and_stops_it() -> None:
    s = ChatSession(_doc(), confidence=0.9)
    assert [b.node for b in s.start()] == ["intro", "q"]
    step = s.say("<barge:好的>")
    assert step.interrupted is not None and step.interrupted.node == "q"
    assert [t.branch for t in step.turns] == ["yes"]
    assert step.turns[0].at_ms == _ms(INTRO) + BARGE_INTO_MS  # one second into the question
    assert [(b.node, b.kind) for b in step.bot] == [("bye_ok", "say"), ("bye_ok", "hangup")] and step.finished


def test_an_ordinary_reply_waits_for_the_question_to_end() -> None:
    r = run_script(_doc(), ["好的"])
    assert r.customer_turns[0].at_ms == _ms(INTRO) + _ms(QUESTION) + REPLY_DELAY_MS


def test_barge_without_barge_in_is_ignored_and_the_call_goes_on() -> None:
    s = ChatSession(_doc(barge_in=False))
    s.start()
    step = s.say("<barge:好的>")
    assert step.interrupted is None and step.turns == [] and not step.finished
    step = s.say("不需要")
    assert [t.branch for t in step.turns] == ["no"]
    assert step.turns[0].at_ms == _ms(INTRO) + _ms(QUESTION) + REPLY_DELAY_MS


def test_opt_out_over_the_intro_is_honoured_even_without_barge_in() -> None:
    s = ChatSession(_doc(barge_in=False))
    s.start()
    step = s.say("<barge@1500:别再给我打电话了>")
    assert step.interrupted is not None and step.interrupted.node == "intro"
    assert step.turns[0].branch == "g_opt" and step.turns[0].at_ms == 1500
    assert step.finished and s.record.ended_by == "opt_out" and s.record.path == ["intro", "bye_opt"]


def test_barge_after_earlier_replies_replays_the_call_exactly() -> None:
    doc = _doc()
    doc["nodes"][1]["branches"].append({"id": "again", "when": {"keywords": ["再说"]}, "goto": "q"})
    s = ChatSession(doc)
    s.start()
    first = s.say("<silence>")
    s.say("再说")
    q_started = s.record.path_times[-1]
    step = s.say("<barge:不需要>")
    assert step.interrupted is not None and step.interrupted.node == "q"
    assert step.turns[0].at_ms == q_started + BARGE_INTO_MS
    assert first.turns[0].kind == "silence"
    assert [t.branch for t in s.record.customer_turns] == ["silent", "again", "no"]
    assert s.record.to_dict() == run_script(doc, ["<silence>", "再说", "<barge:不需要>"]).to_dict()


def test_barge_after_the_call_ended_changes_nothing() -> None:
    s = ChatSession(_doc())
    s.start()
    s.say("好的")
    before = s.record.to_dict()
    step = s.say("<barge:别打了>")
    assert step.finished and step.turns == [] and s.record.to_dict() == before


def test_chat_cli_shows_the_barge_in(tmp_path: Path) -> None:
    import json

    script = tmp_path / "s.json"
    script.write_text(json.dumps(_doc(), ensure_ascii=False), encoding="utf-8")
    replies = tmp_path / "r.txt"
    replies.write_text("<barge:好的>\n", encoding="utf-8")
    out = CliRunner().invoke(huashu, ["chat", str(script), "--replies", str(replies)])
    assert out.exit_code == 0, out.output
    assert "talks over [q]" in out.output and "yes" in out.output
    out = CliRunner().invoke(huashu, ["chat", str(script), "--replies", str(replies), "--json"])
    assert json.loads(out.stdout)["path"] == ["intro", "q", "bye_ok"]


def test_library_scripts_take_a_barge_in() -> None:
    import json

    root = Path(__file__).resolve().parents[2] / "scripts_library"
    doc = json.loads((root / "suspended_winback.json").read_text(encoding="utf-8"))
    script = Script.from_dict(doc)
    variables = {n: v.example for n, v in script.variables.items() if v.example is not None}
    r = run_script(script, ["<barge:别再打了>"], variables)
    assert r.ended_by == "opt_out" and r.turns[0].branch is not None


_LIBRARY = sorted((Path(__file__).resolve().parents[2] / "scripts_library").glob("*.json"))


@pytest.mark.parametrize("path", _LIBRARY, ids=[p.stem for p in _LIBRARY])
def test_random_replies_with_barge_ins_always_finish_consistently(path: Path) -> None:
    import json

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    script = Script.from_dict(json.loads(path.read_text(encoding="utf-8")))
    variables = {n: v.example for n, v in script.variables.items() if v.example is not None}
    words = ["好的", "不需要", "多少钱", "别再打了", "你是谁", "在开会", "嗯", "yes", "投诉"]
    reply = st.one_of(
        st.sampled_from(words),
        st.sampled_from(words).map(lambda w: f"<barge:{w}>"),
        st.tuples(st.integers(0, 20_000), st.sampled_from(words)).map(lambda t: f"<barge@{t[0]}:{t[1]}>"),
        st.sampled_from(["<silence>", "<dtmf:1>", "<hangup>"]),
    )

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(reply, max_size=8))
    def run(replies: list[str]) -> None:
        record = run_script(script, replies, variables)
        assert record.ended_by is not None and record.path[0] == script.start
        assert [t.at_ms for t in record.turns] == sorted(t.at_ms for t in record.turns)
        # replaying is deterministic: the same replies give the same call
        assert run_script(script, replies, variables).to_dict() == record.to_dict()

    run()
