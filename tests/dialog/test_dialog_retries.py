"""``max_times`` without ``else_goto``: when a retry branch is used up the call still ends, and
politely — never a loop until ``max_turns``, never a bare hang-up when the script has a goodbye."""

from __future__ import annotations

from typing import Any

from designer.model import Script
from runtime.dialog.harness import run_script


def _script(branches: list[dict[str, Any]], *, extra_nodes: list[dict[str, Any]] | None = None,
            settings: dict[str, Any] | None = None) -> Script:
    """The auditor's mt2 / x_max_times_no_else shape: one question, a success and a failure end."""
    return Script.from_dict({
        "format": "huashu.script/1", "id": "t", "name": "T", "language": "zh-CN", "start": "open",
        "settings": {"max_consecutive_silences": 2, "max_turns": 20, **(settings or {})},
        "nodes": [
            {"id": "open", "type": "say_listen", "prompt": {"text": "您好，我是联通客服，请问是张三吗？"},
             "branches": [{"id": "b_yes", "when": {"intent": "affirm"}, "goto": "ok"},
                          {"id": "b_no", "when": {"intent": "deny"}, "goto": "bye"}, *branches]},
            {"id": "ok", "type": "end", "prompt": {"text": "好的，再见。"}, "outcome": "done"},
            {"id": "bye", "type": "end", "prompt": {"text": "打扰了，再见。"}, "outcome": "failed"},
            *(extra_nodes or []),
        ],
        "intent_rules": [{"label": "成功", "category": "success", "when": {"outcome": "done"}}],
    })


MUMBLE = [f"嗯哼{i}" for i in range(40)]


def test_spent_no_match_branch_without_else_goto_ends_through_the_silence_give_up() -> None:
    # /tmp/audit23/mt2.json: {no_match -> open, max_times 1}; it used to loop to max_turns (21 nodes)
    script = _script([{"id": "b_sil", "when": {"event": "silence"}, "goto": "open", "max_times": 1,
                       "else_goto": "bye"},
                      {"id": "b_nm", "when": {"event": "no_match"}, "goto": "open", "max_times": 1}])
    r = run_script(script, MUMBLE)
    assert r.path == ["open", "open", "bye"]
    assert r.ended_by == "end_node" and r.outcome == "failed"
    assert [t.branch for t in r.customer_turns] == ["b_nm", None]
    assert "b_nm used up" in r.customer_turns[1].why and "else_goto of b_sil" in r.customer_turns[1].why


def test_spent_no_match_branch_falls_back_to_the_scripts_own_give_up_end() -> None:
    # nothing on this node says how to give up; another node's else_goto is the script's goodbye
    other = {"id": "q2", "type": "say_listen", "prompt": {"text": "还有别的问题吗？"},
             "branches": [{"id": "q2_nm", "when": {"event": "no_match"}, "goto": "q2", "max_times": 1,
                           "else_goto": "unclear"},
                          {"id": "q2_sil", "when": {"event": "silence"}, "goto": "bye"}]}
    unclear = {"id": "unclear", "type": "end", "prompt": {"text": "抱歉没听清，再见。"}, "outcome": "unclear"}
    script = _script([{"id": "b_sil", "when": {"event": "silence"}, "goto": "open", "max_times": 1},
                      {"id": "b_nm", "when": {"event": "no_match"}, "goto": "open", "max_times": 1}],
                     extra_nodes=[other, unclear])
    r = run_script(script, MUMBLE)
    assert r.path == ["open", "open", "unclear"] and r.ended_by == "end_node"


def test_without_any_polite_ending_the_call_hangs_up_instead_of_looping() -> None:
    script = _script([{"id": "b_sil", "when": {"event": "silence"}, "goto": "open", "max_times": 1},
                      {"id": "b_nm", "when": {"event": "no_match"}, "goto": "open", "max_times": 2}])
    r = run_script(script, MUMBLE)
    assert r.path == ["open", "open", "open"]
    assert r.ended_by == "retries_exhausted" and len(r.customer_turns) == 3


def test_silence_branch_used_up_ends_politely_at_the_limit() -> None:
    # /tmp/audit23/b/x_max_times_no_else.json: 3 silences were allowed against a limit of 2, then a
    # bare hang-up; now the second silence takes the node's no-match path to its goodbye
    script = _script([{"id": "b_sil", "when": {"event": "silence"}, "goto": "open", "max_times": 1},
                      {"id": "b_nm", "when": {"event": "no_match"}, "goto": "bye"}])
    r = run_script(script, ["<silence>"] * 4)
    assert r.path == ["open", "open", "bye"]
    assert r.ended_by == "silence" and r.outcome == "failed"
    assert [t.kind for t in r.customer_turns] == ["silence", "silence"]
    assert r.turns[-1].node == "bye" and r.turns[-1].bot == "打扰了，再见。"  # the goodbye was said


def test_silence_beyond_the_limit_ends_through_the_scripts_goodbye() -> None:
    # the silence path at the limit asks again (no max_times): the next silence is over the limit
    script = _script([{"id": "b_sil", "when": {"event": "silence"}, "goto": "open"},
                      {"id": "b_nm", "when": {"event": "no_match"}, "goto": "bye"}])
    r = run_script(script, ["<silence>"] * 5)
    assert r.path == ["open", "open", "open", "bye"]
    assert r.ended_by == "silence" and r.outcome == "failed"
    assert "over the limit" in r.customer_turns[-1].why


def test_spent_silence_branch_below_the_limit_takes_the_no_match_path() -> None:
    script = _script([{"id": "b_sil", "when": {"event": "silence"}, "goto": "open", "max_times": 1},
                      {"id": "b_nm", "when": {"event": "no_match"}, "goto": "open", "max_times": 1,
                       "else_goto": "bye"}],
                     settings={"max_consecutive_silences": 3})
    r = run_script(script, ["<silence>"] * 5)
    # silence 2 of 3: b_sil is spent, so the no-match path asks again; silence 3 is the limit:
    # the give-up target (b_nm's else_goto), not one more question
    assert [t.branch for t in r.customer_turns] == ["b_sil", "b_nm", None]
    assert "else_goto of b_nm" in r.customer_turns[-1].why
    assert r.path == ["open", "open", "open", "bye"] and r.ended_by == "silence"


def test_a_spent_answer_branch_still_falls_to_the_no_match_path() -> None:
    price = {"id": "price", "type": "say", "prompt": {"text": "每月十元。"}, "next": "open"}
    script = _script([{"id": "b_price", "when": {"intent": "ask_price"}, "goto": "price", "max_times": 1},
                      {"id": "b_sil", "when": {"event": "silence"}, "goto": "bye"},
                      {"id": "b_nm", "when": {"event": "no_match"}, "goto": "bye"}], extra_nodes=[price])
    r = run_script(script, ["多少钱", "多少钱"])
    assert r.path == ["open", "price", "open", "bye"]
    assert [t.branch for t in r.customer_turns] == ["b_price", "b_nm"]
