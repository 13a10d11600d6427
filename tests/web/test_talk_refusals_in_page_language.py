"""Test talk (the editor's panel and the review page's, one ``/talk`` endpoint) says why a draft
cannot run yet in the page's language: a variable without a value, a broken structure."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scripts_library import library_paths
from tests.support.web_client import jpost


def _doc(name: str) -> dict[str, Any]:
    path = next(p for p in library_paths() if p.name == name)
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


@pytest.mark.parametrize(("role", "lang", "said"), [
    ("designer", "zh", "话术还不能运行：变量 extra_fee 没有值"),
    ("reviewer", "zh", "话术还不能运行：变量 extra_fee 没有值"),
    ("designer", "en", "The script cannot run yet: the variable(s) extra_fee have no value"),
])
def test_a_variable_without_a_value_is_said_in_the_page_language(client_for: Any, role: str, lang: str,
                                                                  said: str) -> None:
    c = client_for(role)
    c.cookies.set("lang", lang)
    r = jpost(c, "/talk", {"doc": _doc("data_pack_upgrade.json"), "variables": {}, "replies": []})
    assert r.status_code == 400 and r.json()["error"].startswith(said), r.text
    assert "needs variable(s)" not in r.json()["error"]


@pytest.mark.parametrize(("lang", "said"), [("zh", "请先修正话术结构："), ("en", "Fix the script's structure first: ")])
def test_a_broken_structure_is_said_in_the_page_language(client_for: Any, lang: str, said: str) -> None:
    c = client_for("designer")
    c.cookies.set("lang", lang)
    broken = dict(_doc("data_pack_upgrade.json"), nodes=[{"id": "a", "type": "nope"}])
    r = jpost(c, "/talk", {"doc": broken, "replies": []})
    assert r.status_code == 400 and r.json()["error"].startswith(said), r.text
