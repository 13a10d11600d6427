"""The bad lines of a blacklist or caller-id pool import are listed in the page's language
("第 3 行：…" on a Chinese page), while the JSON answer and the CLI keep their English lines."""

from __future__ import annotations

import html
from typing import Any

import pytest
from op_helpers import post

BLACKLIST = "手机号,姓名\n13900000001,甲\nnot-a-number,乙\n,丙\n12345,丁\n".encode()
POOL = b"number,cap\n13912345678,50\nnot-a-number\n13800138000,abc\n13800138001,0\n"


@pytest.mark.parametrize(("lang", "said"), [
    ("zh", ["第 3 行：not-a-number 不是电话号码。", "第 4 行：手机号 列没有号码。", "第 5 行：12345 不是本地区的有效号码。"]),
    ("en", ["line 3: not-a-number is not a phone number.", "line 4: no number in the 手机号 column.",
            "line 5: 12345 is not a valid number for this region."]),
])
def test_blacklist_import_lines_are_said_in_the_page_language(client_as: Any, lang: str, said: list[str]) -> None:
    c = client_as("operator")
    c.cookies.set("lang", lang)
    r = post(c, "/operator/blacklist/import", files={"file": ("bl.csv", BLACKLIST, "text/csv")})
    assert r.status_code == 200
    page = html.unescape(r.text)
    for line in said:
        assert f"<li>{line}</li>" in page, line
    # JSON clients get the core's English lines, whatever the page language
    r = post(c, "/operator/blacklist/import", accept="application/json",
             files={"file": ("bl.csv", BLACKLIST, "text/csv")})
    assert [e.split(":")[0] for e in r.json()["errors"]] == ["line 3", "line 4", "line 5"]
    assert "is not a valid number for region" in r.json()["errors"][2]


@pytest.mark.parametrize(("lang", "said"), [
    ("zh", ["第 3 行：not-a-number 不是电话号码。", "第 4 行：每日上限 abc 不是整数。", "第 5 行：每日上限 0 不在 1 到"]),
    ("en", ["line 3: not-a-number is not a phone number.", "line 4: the daily cap abc is not a whole number.",
            "line 5: the daily cap 0 is not between 1 and"]),
])
def test_pool_import_lines_are_said_in_the_page_language(client_as: Any, lang: str, said: list[str]) -> None:
    c = client_as("admin")
    c.cookies.set("lang", lang)
    r = post(c, "/operator/callerids/import", {"pool": "local"}, files={"file": ("p.csv", POOL, "text/csv")})
    assert r.status_code == 200, r.text
    items = [html.unescape(x.split("</li>")[0]) for x in r.text.split('id="import-errors"')[1].split("</ul>")[0].split("<li>")[1:]]
    assert len(items) == 3
    for item, want in zip(items, said, strict=True):
        assert item.startswith(want), (item, want)


def test_a_hostile_value_in_a_bad_line_is_escaped(client_as: Any) -> None:
    c = client_as("operator")
    c.cookies.set("lang", "zh")
    r = post(c, "/operator/blacklist/import", files={"file": ("bl.csv", b"phone\n<script>alert(1)</script>\n", "text/csv")})
    assert "<script>alert(1)" not in r.text and "&lt;script&gt;alert(1)" in r.text


@pytest.mark.parametrize(("lang", "word"), [("zh", "CSV 导入"), ("en", "CSV import")])
def test_the_blacklist_says_why_a_number_is_listed_in_the_page_language(client_as: Any, lang: str, word: str) -> None:
    c = client_as("operator")
    c.cookies.set("lang", lang)
    post(c, "/operator/blacklist/import", files={"file": ("bl.csv", b"phone\n13900000077\n", "text/csv")})
    page = html.unescape(c.get("/operator/blacklist", headers={"accept": "text/html"}).text)
    assert f'data-reason="import">{word}</td>' in page
