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


def _after(c: Any, r: Any) -> str:
    assert r.status_code in (302, 303), r.text
    return html.unescape(c.get(r.headers["location"], headers=HTML).text)


@pytest.mark.parametrize(("lang", "bad", "empty", "wrong_file"), [
    ("zh", "12345 不是本地区的有效号码。", "没有填写电话号码。", "empty.csv 是空文件。"),
    ("en", "12345 is not a valid number for this region.", "No phone number was given.", "empty.csv is empty."),
])
def test_the_blacklist_forms_say_a_refused_number_or_file_in_the_page_language(
        client_as: Any, lang: str, bad: str, empty: str, wrong_file: str) -> None:
    c = client_as("operator")
    c.cookies.set("lang", lang)
    assert bad in _after(c, post(c, "/operator/blacklist", {"phone": "12345"}))
    assert empty in _after(c, post(c, "/operator/blacklist/remove", {"phone": ""}))
    r = post(c, "/operator/blacklist/import", files={"file": ("empty.csv", b"\n\n", "text/csv")})
    assert wrong_file in html.unescape(r.text)
    # the API keeps its English
    r = post(c, "/operator/blacklist/import", accept="application/json",
             files={"file": ("empty.csv", b"\n\n", "text/csv")})
    assert r.json()["errors"] == ["empty.csv: the file is empty"]


@pytest.mark.parametrize(("lang", "said"), [("zh", "abc 不是电话号码。"), ("en", "abc is not a phone number.")])
def test_the_privacy_forms_say_a_refused_number_in_the_page_language(client_as: Any, lang: str, said: str) -> None:
    c = client_as("admin")
    c.cookies.set("lang", lang)
    for url in ("/privacy/opt-out", "/privacy/erase"):
        r = post(c, url, {"phone": "abc", "detail": ""})
        assert r.status_code == 400 and said in html.unescape(r.text), url


@pytest.mark.parametrize(("lang", "short", "taken", "role"), [
    ("zh", "密码太短：至少 8 个字符。", "用户 operator 已存在。", "没有角色 boss"),
    ("en", "The password is too short: at least 8 characters.", "The user operator exists already.", "There is no role boss"),
])
def test_the_users_page_says_a_refused_user_in_the_page_language(client_as: Any, lang: str, short: str, taken: str,
                                                                 role: str) -> None:
    c = client_as("admin")
    c.cookies.set("lang", lang)
    assert short in _after(c, post(c, "/users", {"username": "newbie", "password": "x", "role": "operator"}))
    assert taken in _after(c, post(c, "/users", {"username": "operator", "password": "x" * 12, "role": "operator"}))
    assert role in _after(c, post(c, "/users/operator/role", {"role": "boss"}))


@pytest.mark.parametrize(("lang", "no_name", "encoding"), [
    ("zh", "号码池名称须为 1 到", "p.csv 不是 UTF-8 编码的文本。"),
    ("en", "A pool name is 1 to", "p.csv is not UTF-8 text."),
])
def test_the_caller_id_import_says_a_refused_pool_or_file_in_the_page_language(
        client_as: Any, lang: str, no_name: str, encoding: str) -> None:
    c = client_as("operator")
    c.cookies.set("lang", lang)
    r = post(c, "/operator/callerids/import", {"pool": " "}, files={"file": ("p.csv", b"13912345678\n", "text/csv")})
    assert r.status_code == 400 and no_name in html.unescape(r.text)
    r = post(c, "/operator/callerids/import", {"pool": "local"}, files={"file": ("p.csv", b"\xff\xfe\x00", "text/csv")})
    assert r.status_code == 400 and encoding in html.unescape(r.text)


@pytest.mark.parametrize(("lang", "said"), [
    ("zh", "规则至少需要一个条件：意图、呼叫结果或尝试次数。"),
    ("en", "A rule needs at least one condition: intent, outcome or attempts."),
])
def test_an_sms_rule_refused_is_said_in_the_page_language(client_as: Any, seed: Any, lang: str, said: str) -> None:
    c = client_as("operator")
    c.cookies.set("lang", lang)
    r = post(c, f"/operator/tasks/{seed.draft_task}/sms/rules",
             {"name": "receipt", "template": "谢谢", "intent": "", "outcome": "", "attempts": ""})
    assert said in _after(c, r)
