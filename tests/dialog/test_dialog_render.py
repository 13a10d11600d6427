"""Variables read aloud: numbers, amounts, dates and phone numbers in Chinese and English."""

from __future__ import annotations

import pytest

from runtime.dialog import spoken
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
