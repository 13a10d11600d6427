"""Everyday Chinese "no"s, double negatives and digits mixed with Chinese units."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from designer.model import Script
from runtime.dialog.harness import ChatSession
from runtime.nlu.matcher import Matcher
from runtime.nlu.negation import is_double_negative_head, is_negated
from runtime.nlu.numbers import extract_numbers, to_arabic

ROOT = Path(__file__).resolve().parents[2]
SEMI = json.loads((ROOT / "scripts_library" / "mobile_semi_suspension.json").read_text(encoding="utf-8"))


def _yes_no() -> Script:
    return Script.from_dict({
        "format": "huashu.script/1", "id": "t", "name": "t", "language": "zh-CN", "start": "a",
        "nodes": [{"id": "a", "type": "say_listen", "prompt": {"text": "方便充值吗？"},
                   "branches": [{"id": "yes", "when": {"intent": "affirm"}, "goto": "x"},
                                {"id": "no", "when": {"intent": "deny"}, "goto": "y"}]},
                  {"id": "x", "type": "end"}, {"id": "y", "type": "end"}],
    })


def _branch(text: str) -> str | None:
    script = _yes_no()
    res = Matcher(script).match(script.node("a"), text)
    return res.branch.id if res else None


@pytest.mark.parametrize("text", ["没有", "没有没有", "不不不", "不，不需要", "没钱", "现在没钱", "没有钱",
                                  "还没有", "没呢", "没有啊", "嗯，没有", "没有，我还没充", "钱不够"])
def test_everyday_no_is_deny(text: str) -> None:
    assert _branch(text) == "no"


@pytest.mark.parametrize(("text", "want"), [
    ("没有问题", "yes"),             # "no problem": 没有 is a negator here, not the answer
    ("好的，没有问题", "yes"),
    ("我不是不需要", "yes"),         # double negative: "it's not that I don't need it"
    ("有没有优惠", None),            # an A-not-A question, not a no
    ("不是不是", "no"),              # a repeated no stays a no
    ("不用不用", "no"),
    ("不是不需要", "no"),            # at the start, without punctuation: "不是，不需要"
    ("我不是，不需要", "no"),
    ("不是没钱", "no"),
])
def test_no_phrases_do_not_overreach(text: str, want: str | None) -> None:
    assert _branch(text) == want


def test_double_negative_helpers() -> None:
    assert is_negated("我不是不") is False  # 需要 after it is affirmed
    assert is_negated("不") is True and is_negated("我不") is True
    assert is_negated("不是不") is True  # at the start: "不是，不…"
    assert is_double_negative_head("我不是不需要", 1, 3)
    assert not is_double_negative_head("不是不需要", 0, 2)
    assert not is_double_negative_head("我不是不是", 1, 3)  # repetition
    assert not is_double_negative_head("我不是 不需要", 1, 3)  # a pause: two answers


@pytest.mark.parametrize("text", ["没有", "没有没有", "不不不", "没钱"])
def test_semi_suspension_recharge_question_understands_no(text: str) -> None:
    # on 方便充值吗 these went to no_match; now they are the deny branch and the bot tries to retain
    s = ChatSession(SEMI, {"name": "张先生", "arrears": 36.5})
    s.start()
    s.say("是的")
    step = s.say(text)
    assert [t.branch for t in step.turns] == ["remind_no"]
    assert step.bot and step.bot[0].node == "retain"


@pytest.mark.parametrize(("text", "numbers"), [
    ("2百", [200.0]), ("充了2百块", [200.0]), ("3千", [3000.0]), ("3万5千", [35000.0]),
    ("1.5万", [15000.0]), ("2百5", [250.0]), ("20万", [200000.0]), ("1万2", [12000.0]),
    ("5块", [5.0]), ("10086", [10086.0]), ("我有2个", [2.0]), ("一块五", [1.5]),
])
def test_digits_with_chinese_units(text: str, numbers: list[float]) -> None:
    assert extract_numbers(text) == numbers


def test_mixed_numbers_reach_regexes_as_digits() -> None:
    assert to_arabic("充了2百块") == "充了200块"
