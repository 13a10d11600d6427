"""The operator's and admin's forms say a refused value in the page's language: the frequency-cap
settings (``web.operator.caps``) and the other forms checked with them."""

from __future__ import annotations

import html
from typing import Any

import pytest
from op_helpers import post

HTML = {"accept": "text/html"}
GOOD = {"cap_day": "3", "cap_week": "6", "cap_month": "12", "dedupe_days": "15", "number_format": "e164"}


@pytest.mark.parametrize(("lang", "change", "said"), [
    ("zh", {"cap_month": "many"}, "每个号码 30 天内最多呼叫：'many' 不是整数。"),
    ("zh", {"cap_week": "2"}, "频次上限须随周期递增：每天（3）≤ 每 7 天（2）≤ 每 30 天（12）。"),
    ("zh", {"dedupe_days": "99999"}, "超出 0 到 10000 的范围。"),
    ("zh", {"number_format": "morse"}, "号码格式 'morse' 无效"),
    ("en", {"cap_month": "many"}, "Calls per number per 30 days: 'many' is not a whole number."),
])
def test_the_settings_form_says_a_refused_value_in_the_page_language(client_as: Any, lang: str,
                                                                     change: dict[str, str], said: str) -> None:
    c = client_as("admin")
    c.cookies.set("lang", lang)
    r = post(c, "/operator/settings", {**GOOD, **change})
    assert r.status_code == 400
    assert said in html.unescape(r.text)
