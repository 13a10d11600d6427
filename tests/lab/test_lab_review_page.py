"""The review page shows the attack and the regression cases (with what changed since the last
approved version), and approving over a failing case needs the override box and a comment."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import Session

from designer import store
from runtime.lab.gate import approve_checked, submit_checked
from runtime.lab.suites import add_case, case_from_replies
from tests.support.web_client import (
    app_settings,
    app_with_users,
    cheap_hashing,
    csrf_of,
    jpost,
    sign_in,
)

pytestmark = pytest.mark.offline

LIB = Path(__file__).resolve().parents[2] / "scripts_library"
HTML = {"accept": "text/html"}
VARS = {"name": "张先生", "arrears": 36.5}


@pytest.fixture
def app_and_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    cheap_hashing(monkeypatch)
    app = app_with_users(app_settings(tmp_path / "var", espeak=False), ("designer", "reviewer"))
    return app, app.state.engine


def _docs() -> tuple[dict[str, Any], dict[str, Any]]:
    doc = json.loads((LIB / "mobile_semi_suspension.json").read_text(encoding="utf-8"))
    doc = add_case(doc, case_from_replies(doc, "已充值", ["是的", "我已经充过了"], VARS))
    broken = copy.deepcopy(doc)
    remind = next(n for n in broken["nodes"] if n["id"] == "remind")
    remind["branches"] = [b for b in remind["branches"] if b["id"] != "remind_done"]
    return doc, broken


@pytest.mark.slow  # minutes on the loaded 2-core machine: `make test` runs it
def test_review_page_shows_cases_changes_attack_and_gates_approval(app_and_engine: Any) -> None:
    app, engine = app_and_engine
    good, broken = _docs()
    key = good["id"]
    with Session(engine, expire_on_commit=False) as s:
        store.import_document(s, good, actor="designer")
        submit_checked(s, key, 1, actor="designer")
        approve_checked(s, key, 1, actor="reviewer")
        store.import_document(s, broken, actor="designer")
        submit_checked(s, key, 2, actor="designer")
        s.commit()
    c: TestClient[Any] = TestClient(app)
    assert sign_in(c, "reviewer").status_code in (302, 303)
    c.cookies.set("lang", "zh")
    html = c.get(f"/scripts/{key}/review?version=2", headers=HTML).text
    assert 'id="lab-suite"' in html and "0/1 通过" in html and "已充值" in html
    assert 'id="lab-changes"' in html and "第 2 轮" in html and "我已经充过了" in html
    assert "remind -&gt; remind_done" in html  # escaped text, never markup
    assert 'id="lab-attack"' in html and "平均召回率" in html
    assert 'id="lab-override"' in html
    url = f"/scripts/{key}/versions/2/approve"
    # no override: refused, still in review
    c.post(url, data={"comment": "ok", "_csrf_token": csrf_of(c)}, headers=HTML)
    with Session(engine) as s:
        assert store.get_version(s, key, 2).status == "in_review"
    # override without a comment: refused
    c.post(url, data={"comment": "", "override": "1", "_csrf_token": csrf_of(c)}, headers=HTML)
    with Session(engine) as s:
        assert store.get_version(s, key, 2).status == "in_review"
    c.post(url, data={"comment": "已充值分支下线", "override": "1", "_csrf_token": csrf_of(c)}, headers=HTML)
    with Session(engine) as s:
        v = store.get_version(s, key, 2)
        assert v.status == "approved" and "override" in (v.review_comment or "")


def test_review_page_without_cases_says_so(app_and_engine: Any) -> None:
    app, engine = app_and_engine
    doc = json.loads((LIB / "broadband_renewal.json").read_text(encoding="utf-8"))
    with Session(engine, expire_on_commit=False) as s:
        store.import_document(s, doc, actor="designer")
        s.commit()
    c: TestClient[Any] = TestClient(app)
    sign_in(c, "reviewer")
    html = c.get(f"/scripts/{doc['id']}/review", headers=HTML).text
    assert 'id="lab-no-cases"' in html and 'id="lab-override"' not in html


def test_lab_case_endpoint(app_and_engine: Any) -> None:
    app, _ = app_and_engine
    c: TestClient[Any] = TestClient(app)
    sign_in(c, "designer")
    doc = json.loads((LIB / "mobile_semi_suspension.json").read_text(encoding="utf-8"))
    r = jpost(c, "/lab/case", {"doc": doc, "name": "x", "replies": ["是的", {"silence": True}], "variables": VARS})
    assert r.status_code == 200, r.text
    assert r.json()["case"]["replies"] == ["是的", "<silence>"]
    bad = jpost(c, "/lab/case", {"doc": doc, "name": "", "replies": ["好"]})
    assert bad.status_code == 400 and "name" in bad.text
    assert jpost(c, "/lab/case", {"doc": {"x": 1}, "name": "a", "replies": ["好"]}).status_code == 400
