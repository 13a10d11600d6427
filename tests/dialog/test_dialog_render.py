"""Variables read aloud: numbers, amounts, dates and phone numbers in Chinese and English."""

from __future__ import annotations

import pytest

from designer.model import Script
from runtime.dialog import spoken
from runtime.dialog.harness import ChatSession
from runtime.dialog.render import render_text


@pytest.mark.parametrize(("fn", "value", "text"), [
    (spoken.amount_zh, 36.5, "三十六元五角"),
    (spoken.amount_zh, "0.05", "五分"),
    (spoken.amount_zh, 100, "一百元"),
    (spoken.amount_zh, "1002.07", "一千零二元零七分"),
    (spoken.amount_en, 36.5, "thirty-six dollars and fifty cents"),
    (spoken.amount_en, 1200, "one thousand two hundred dollars"),
    (spoken.number_zh, 45, "四十五"),
    (spoken.number_zh, "12.5", "十二点五"),
    (spoken.number_zh, "10086", "一万零八十六"),
    (spoken.number_en, 1234, "one thousand two hundred thirty-four"),
    (spoken.number_en, -3.25, "minus three point two five"),
    (spoken.number_en, 1_000_000, "one million"),
    (spoken.phone_zh, "138-0013", "幺三八零零幺三"),
    (spoken.phone_en, "911", "nine one one"),
    (spoken.date_zh, "2024-05-01", "二零二四年五月一日"),
    (spoken.date_en, "2024-12-25", "December 25, 2024"),
])
def test_spoken_forms(fn: object, value: object, text: str) -> None:
    assert fn(value) == text  # type: ignore[operator]


def test_bad_values_raise() -> None:
    with pytest.raises(ValueError, match="not a number"):
        spoken.number_zh("abc")
    with pytest.raises(ValueError, match="not a date"):
        spoken.date_en("soon")


def test_amount_followed_by_unit_reads_as_plain_number() -> None:
    rendered = {"due": "三十六元五角", "due#bare": "三十六点五"}
    assert render_text("欠费${due}元", rendered) == "欠费三十六点五元"
    assert render_text("欠费${due}。", rendered) == "欠费三十六元五角。"
    assert render_text("no placeholders", rendered) == "no placeholders"


@pytest.mark.parametrize(("value", "text"), [
    (2, "两元"), (200, "两百元"), (2000, "两千元"), (20000, "两万元"), (2.5, "两元五角"), ("0.2", "两角"),
    ("0.02", "两分"), (22, "二十二元"), (12, "十二元"), (220, "两百二十元"), (-2, "负两元"),
])
def test_two_of_an_amount_is_liang(value: object, text: str) -> None:
    assert spoken.amount_zh(value) == text


@pytest.mark.parametrize(("value", "text"), [
    ("0.05", "five cents"), (1, "one dollar"), ("1.01", "one dollar and one cent"), ("0.01", "one cent"),
    (-0.05, "minus five cents"), (0, "zero dollars"), (2, "two dollars"),
])
def test_english_amounts_say_only_what_is_there(value: object, text: str) -> None:
    assert spoken.amount_en(value) == text


def test_amounts_in_prompts_through_the_engine() -> None:
    def said(language: str, text: str, value: object) -> str:
        script = Script.from_dict({
            "format": "huashu.script/1", "id": "t", "name": "t", "language": language, "start": "a",
            "variables": {"x": {"type": "amount", "required": True}},
            "nodes": [{"id": "a", "type": "end", "prompt": {"text": text}, "outcome": "ok"}],
        })
        return ChatSession(script, {"x": value}).start()[0].text

    assert said("zh-CN", "欠费${x}。", 2) == "欠费两元。"
    assert said("zh-CN", "欠费${x}元。", 2) == "欠费两元。"  # the prompt says the unit: bare number
    assert said("zh-CN", "欠费${x}元。", 200) == "欠费两百元。"
    assert said("zh-CN", "欠费${x}元。", 2.5) == "欠费二点五元。"
    assert said("en-US", "You owe ${x}.", 0.05) == "You owe five cents."
    assert said("en-US", "You owe ${x} dollars.", 0.05) == "You owe five cents."
    assert said("en-US", "You owe ${x} dollars.", 1) == "You owe one dollar."
    assert said("en-US", "You owe ${x} dollars.", 45.9) == "You owe forty-five dollars and ninety cents."
