"""Closed-set recognition picks the node's phrase the hypothesis sounds like, or rejects it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from designer.model import Script
from runtime.nlu.closedset import ACCEPT_AT, ClosedSet, calibrated, decide, node_candidates, similarity

LIB = Path(__file__).resolve().parents[2] / "scripts_library"


@pytest.fixture(scope="module")
def script() -> Script:
    return Script.from_dict(json.loads((LIB / "mobile_semi_suspension.json").read_text("utf-8")))


def test_tone_costs_less_than_a_confusion_less_than_another_syllable() -> None:
    assert similarity("好的", "好的") == 1.0
    tone = similarity("好码", "号码")  # hao3 for hao4: 0.2 of a syllable
    fold = similarity("之费", "资费")  # zhi for zi, a usual confusion: 0.4
    other = similarity("猫码", "号码")  # another syllable: 1
    assert (tone, fold, other) == (pytest.approx(0.9), pytest.approx(0.8), pytest.approx(0.5))


def test_a_negation_is_not_noise() -> None:
    # measured on Kokoro through Whisper: "不明白" was accepted as affirm's "明白" (0.67)
    assert similarity("不明白", "明白") < ACCEPT_AT
    assert similarity("不需要", "需要") < ACCEPT_AT
    assert similarity("布须要", "不需要") == 1.0  # a homophone of 不 in place of 不 is still a match


def test_fillers_and_courtesy_do_not_count() -> None:
    assert similarity("嗯，好的啊", "好的") == 1.0
    assert similarity("不需要谢谢", "不需要") == 1.0  # measured on Kokoro through Whisper: 0.60 before
    assert similarity("喂，你好，是我", "是我") == 1.0


def test_candidates_cover_branches_intents_and_global_handlers(script: Script) -> None:
    cands = node_candidates(script, script.by_id["open"])
    branches = {c.branch for c in cands}
    assert {"open_yes", "open_no", "open_not_me"} <= branches
    assert any(c.scope == "global" and c.source.startswith("builtin:opt_out") for c in cands)
    assert cands[0].scope == "global"  # override handlers first, as the matcher orders them
    assert any(c.phrase == "不需要" and c.branch == "open_no" for c in cands)


def test_homophone_error_goes_to_the_right_branch(script: Script) -> None:
    cs = ClosedSet(script)
    c = cs.choose("open", "布须要")  # Whisper's homophones for 不需要
    assert c.branch == "open_no" and not c.rejected and c.confidence >= ACCEPT_AT


@pytest.mark.parametrize("off", ["你们是哪个公司的我想问一下流量怎么算", "今天天气怎么样", "我在超市排队买菜呢",
                                 "嗯", "啊啊啊"])
def test_off_script_replies_are_rejected_on_a_closed_node(script: Script, off: str) -> None:
    v = decide(ClosedSet(script), "open", off, 0.9, False)
    assert v.branch_hint is None and v.confidence == 0.0 and v.rejected
    assert v.note.startswith("closed set rejected")


def test_a_close_runner_up_lowers_the_confidence() -> None:
    assert calibrated(0.8, 0.2) == pytest.approx(0.8)
    assert calibrated(0.8, 0.8) == pytest.approx(0.56)
    assert calibrated(0.8, 0.8) < ACCEPT_AT  # a coin toss between two branches is rejected


def test_open_node_leaves_unmatched_answers_to_the_matcher() -> None:
    doc = {"id": "s", "name": "s", "language": "zh-CN", "start": "ask",
           "nodes": [{"id": "ask", "type": "say_listen", "prompt": {"text": "您充了多少？"},
                      "branches": [{"id": "amount", "when": {"regex": "[0-9]+"}, "goto": "bye"},
                                   {"id": "no", "when": {"intent": "deny"}, "goto": "bye"}]},
                     {"id": "bye", "type": "end", "prompt": {"text": "再见"}}]}
    script = Script.from_dict(doc)
    cs = ClosedSet(script)
    assert cs.is_open("ask")
    v = decide(cs, "ask", "充了50块", 0.8, False)
    assert v.branch_hint is None and v.confidence == 0.8 and not v.rejected


def test_a_recogniser_rejection_is_kept(script: Script) -> None:
    v = decide(ClosedSet(script), "open", "好的", 0.0, True)
    assert v.branch_hint is None and v.confidence == 0.0 and v.choice is None
