"""The reach pages: caller-id pools (import with per-line errors, health with rested numbers
flagged and un-rest), the task list's priority column, a task's reach panel (priority and pool
saved through the task service; SMS rules with their length), and a call's SMS messages."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import update

from huashu.core.config import Settings
from huashu.core.db import init_db, make_engine
from runtime.campaigns.callerid.models import CallerNumber
from runtime.campaigns.clock import utcnow
from runtime.campaigns.sms.rules import CallFacts, enqueue_in
from runtime.campaigns.tasks import get_task
from tests.support.scripts import running_task
from web.app import create_app
from web.auth.users import create_user

HTML = {"accept": "text/html"}
PASSWORD = "correct-horse-1"


def _csrf(c: TestClient[Any]) -> str:
    token = c.cookies.get("huashu_csrf")
    if token is None:
        m = re.search(r'name="csrf-token" content="([^"]+)"', c.get("/login", headers=HTML).text)
        assert m
        token = c.cookies.get("huashu_csrf") or m.group(1)
    return token


def _post(c: TestClient[Any], url: str, data: dict[str, str] | None = None, **kw: Any) -> Any:
    return c.post(url, data=data or {}, headers={"x-csrftoken": _csrf(c), "accept": "text/html"},
                  follow_redirects=False, **kw)


@pytest.fixture
def operator(tmp_path: Path) -> Any:
    settings = Settings(data_dir=tmp_path / "var", secret_key="test-secret-" + "x" * 32)
    settings.data_dir.mkdir(parents=True)
    engine = make_engine(settings.db_url)
    init_db(engine)
    create_user(engine, "op", PASSWORD, "operator")
    with TestClient(create_app(settings, engine, secure_cookies=False)) as c:
        c.get("/login", headers=HTML)
        r = c.post("/login", data={"username": "op", "password": PASSWORD, "next": "/operator/tasks",
                                   "_csrf_token": _csrf(c)}, follow_redirects=False)
        assert r.status_code in (302, 303), r.text
        yield c, engine
    engine.dispose()


def test_pool_import_health_rest_flag_and_unrest(operator: Any) -> None:
    c, engine = operator
    csv = b"number,cap\n13912345678,50\n<script>alert(1)</script>\n13800138000\n"
    r = _post(c, "/operator/callerids/import", {"pool": "local"}, files={"file": ("p.csv", csv, "text/csv")})
    assert r.status_code == 200
    assert "line 3" in r.text and "<script>alert(1)</script>" not in r.text  # escaped, named by line
    page = c.get("/operator/callerids", headers=HTML).text
    assert 'href="/operator/callerids/local"' in page
    with engine.begin() as conn:
        conn.execute(update(CallerNumber.__table__).where(CallerNumber.__table__.c.number == "+8613800138000")  # type: ignore[attr-defined]
                     .values(rested_until=utcnow() + timedelta(hours=5), rest_reason="answer rate 2/40 below the pool's 40%"))
    page = c.get("/operator/callerids/local", headers=HTML).text
    assert "江苏省常州市" in page and "中国移动" in page
    assert 'class="rested"' in page and "RESTED until" in page and "below the pool" in page
    assert "1 numbers resting" in page
    r = _post(c, "/operator/callerids/local/unrest", {"number": "+8613800138000"})
    assert r.status_code in (302, 303)
    assert 'class="rested"' not in c.get("/operator/callerids/local", headers=HTML).text
    assert c.get("/operator/callerids/nope", headers=HTML).status_code == 404


def test_task_reach_panel_priority_pool_and_sms_rules(operator: Any) -> None:
    c, engine = operator
    _post(c, "/operator/callerids/import", {"pool": "local"}, files={"file": ("p.csv", b"13912345678\n", "text/csv")})
    tid = running_task(engine, priority=3)
    assert re.search(r'class="num task-priority">3<', c.get("/operator/tasks", headers=HTML).text)
    page = c.get(f"/operator/tasks/{tid}", headers=HTML).text
    assert f'hx-get="/operator/tasks/{tid}/reach"' in page and "/static/operator/sms_count.js" in page
    assert _post(c, f"/operator/tasks/{tid}/reach", {"priority": "8", "caller_pool": "local"}).status_code in (302, 303)
    t = get_task(engine, tid)
    assert t is not None and (t.priority, t.caller_pool) == (8, "local")
    _post(c, f"/operator/tasks/{tid}/reach", {"priority": "12", "caller_pool": "local"})
    assert "The priority must be 0 to 9 (9 first)" in c.get(f"/operator/tasks/{tid}", headers=HTML).text  # flashed, unchanged
    r = _post(c, f"/operator/tasks/{tid}/sms/rules", {"name": "receipt", "intent": "已充值", "outcome": "", "attempts": "",
                                                      "template": "${name}您好，您的充值已到账"})
    assert r.status_code in (302, 303)
    panel = c.get(f"/operator/tasks/{tid}/reach", headers=HTML).text
    assert 'value="local" selected' in panel and "receipt" in panel and 'data-sms-count="sms-count"' in panel
    assert "10 characters · 1 SMS" in panel  # the fixed text: variables differ per call
    with engine.begin() as conn:
        enqueue_in(conn, task_id=tid, attempt_id=5, phone="+8613912340000", facts=CallFacts("connected", "已充值", "success", 1),
                   variables={"name": "<b>张三</b>"}, now=utcnow())
    frag = c.get("/operator/calls/5/sms", headers=HTML).text
    assert "&lt;b&gt;张三&lt;/b&gt;您好" in frag and "queued" in frag


def test_sms_count_js_follows_the_length_rules() -> None:
    js = (Path(__file__).resolve().parents[2] / "web/static/operator/sms_count.js").read_text(encoding="utf-8")
    assert "70" in js and "67" in js and "160" in js and "153" in js and "innerHTML" not in js
