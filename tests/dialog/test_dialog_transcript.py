"""The call record is the whole conversation: every prompt the bot played is a turn, answered or not."""

from __future__ import annotations

import json
from pathlib import Path

from runtime.dialog.harness import ChatSession, run_script

ROOT = Path(__file__).resolve().parents[2]
EN_BILL = json.loads((ROOT / "scripts_library" / "en_bill_reminder.json").read_text(encoding="utf-8"))
SEMI = json.loads((ROOT / "scripts_library" / "mobile_semi_suspension.json").read_text(encoding="utf-8"))
EN_VARS = {"name": "Ann", "amount": 45.9, "due_date": "2024-06-30"}
ZH_VARS = {"name": "张先生", "arrears": 36.5}


def test_the_question_the_customer_hung_up_on_is_a_turn() -> None:
    r = run_script(EN_BILL, ["yes"], EN_VARS)
    assert r.path == ["open", "reminder"]
    assert [(t.node, t.kind) for t in r.turns] == [("open", "speech"), ("reminder", "no_answer")]
    last = r.turns[-1]
    assert last.customer is None and last.branch is None and last.bot.startswith("Your phone bill of")
    assert "customer_hangup" in last.why
    assert r.to_dict()["turns"][-1]["customer"] is None  # JSON null
    assert len(r.customer_turns) == 1


def test_goodbye_and_say_node_prompts_are_turns() -> None:
    r = run_script(SEMI, ["你是谁", "是我", "已经交了"], ZH_VARS)
    assert r.path[-1] == "thanks_recharged"
    nodes = [(t.node, t.kind) for t in r.turns]
    assert ("who_are_you", "prompt") in nodes  # the say node that explains who calls
    assert nodes[-1] == ("thanks_recharged", "prompt")  # the goodbye
    assert r.turns[-1].customer is None and r.turns[-1].bot.startswith("好的，感谢您的配合")
    assert [t.at_ms for t in r.turns] == sorted(t.at_ms for t in r.turns)
    # every node that spoke is in the transcript, in path order
    spoken = [t.node for t in r.turns if t.bot]
    assert spoken == [n for n in r.path]


def test_opening_unanswered_when_the_customer_hangs_up_at_once() -> None:
    r = run_script(SEMI, [], ZH_VARS)
    assert r.ended_by == "customer_hangup"
    assert [(t.node, t.customer, t.kind) for t in r.turns] == [("open", None, "no_answer")]


def test_chat_steps_still_show_only_the_customer_turns() -> None:
    s = ChatSession(SEMI, ZH_VARS)
    s.start()
    step = s.say("不是，你打错了")
    assert [t.branch for t in step.turns] == ["open_wrong"] or len(step.turns) == 1
    assert all(t.customer is not None for t in step.turns)
    assert s.record.turns[-1].node == "wrong_person" and s.record.turns[-1].customer is None
