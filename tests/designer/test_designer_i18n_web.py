"""The editor's check panel and the review page show findings in the UI language."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import Session

from designer import store
from tests.support.web_client import (
    app_settings,
    app_with_users,
    cheap_hashing,
    csrf_of,
    jpost,
    sign_in,
)

HTML = {"accept": "text/html"}


@pytest.fixture
def app_and_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    cheap_hashing(monkeypatch)
    app = app_with_users(app_settings(tmp_path / "var", espeak=False), ("designer", "reviewer"))
    return app, app.state.engine


def _client(app: Any, role: str) -> TestClient[Any]:
    c: TestClient[Any] = TestClient(app)
    assert sign_in(c, role).status_code in (302, 303)
    return c


def test_check_panel_speaks_the_ui_language(app_and_engine: Any, base: dict[str, Any]) -> None:
    app, _engine = app_and_engine
    c = _client(app, "designer")
    doc = copy.deepcopy(base)
    del doc["nodes"][2]["branches"][4]  # offer: no silence branch
    en = jpost(c, "/check", {"doc": doc}).json()
    c.cookies.set("lang", "zh")
    zh = jpost(c, "/check", {"doc": doc}).json()
    assert [f["code"] for f in en["errors"]] == [f["code"] for f in zh["errors"]] == ["missing_silence_branch"]
    assert zh["errors"][0]["message"] == "节点「offer」没有设置客户沉默时的处理。"
    assert "silent" in en["errors"][0]["message"]
    assert zh["qa"]["score"] == en["qa"]["score"]
    assert all(set(a) == set(b) for a, b in zip(en["qa"]["findings"], zh["qa"]["findings"], strict=True))
    assert "静默" in zh["qa"]["findings"][0]["suggestion"]
    # the body may ask for a language explicitly; a wrong one is a 400, not a crash
    assert jpost(c, "/check", {"doc": doc, "lang": "en"}).json() == en
    assert jpost(c, "/check", {"doc": doc, "lang": "fr"}).status_code == 400
    # Accept-Language alone also works
    c2 = _client(app, "designer")
    r = c2.post("/check", json={"doc": doc}, headers={"x-csrftoken": csrf_of(c2), "accept": "application/json",
                                                      "accept-language": "zh-CN,zh;q=0.9"})
    assert r.json()["errors"][0]["message"] == zh["errors"][0]["message"]


def test_review_page_findings_in_chinese(app_and_engine: Any, base: dict[str, Any]) -> None:
    app, engine = app_and_engine
    doc = copy.deepcopy(base)
    doc["nodes"][2]["prompt"]["text"] += "保证全网最低价！"
    with Session(engine) as s:
        store.import_document(s, doc, actor="designer")
        s.commit()
    c = _client(app, "reviewer")
    c.cookies.set("lang", "zh")
    page = c.get(f"/scripts/{doc['id']}/review", headers=HTML)
    assert page.status_code == 200, page.text
    assert "节点「offer」中出现了「保证」、「最低价」、「全网最低」，属于绝对化或禁止使用的营销用语。" in page.text
    assert "请如实介绍业务，删去承诺性和绝对化的用语。" in page.text
    c.cookies.set("lang", "en")
    assert "an absolute or forbidden marketing claim" in c.get(f"/scripts/{doc['id']}/review", headers=HTML).text
