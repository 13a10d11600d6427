"""Every page the app serves speaks the page's language: no English codes or words on a Chinese
page, no Chinese on an English page except what users typed (script text, names, transcripts).

The data is the demo's, made the way ``make run`` makes it (``huashu demo --headless``), plus a
version in review, a rejected one and a refused submission. Each role's pages are found by
following the links and htmx fragments from the home page, in zh and in en.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

import pytest
from litestar.testing import TestClient

from huashu.core.config import Settings
from huashu.core.db import make_engine
from web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
ROLES = ("operator", "designer", "reviewer", "admin")
HTML = {"accept": "text/html"}

#: Codes and words that must never reach a Chinese page (word-bounded, case-sensitive).
ENGLISH_ON_ZH = (
    "no_intent", "end_node", "NORMAL_CLEARING", "ORIGINATOR_CANCEL", "CALL_REJECTED", "NO_ANSWER",
    "NORMAL_TEMPORARY_FAILURE", "invalid_number", "no_answer", "busy", "cancelled", "dead_end", "connected",
    "voicemail", "announcement_busy", "customer_hangup", "blacklisted", "validation error", "rejection",
    "needs a comment", "cannot be submitted", "Launch", "Submit", "Approve", "Reject", "Save", "Delete",
    "hang up", "no intent", "success", "failure", "draft", "approved", "rejected", "in review", "running",
    "completed", "Tasks", "Calls", "Outcome", "Status", "Export", "Previous", "Next", "primary", "secondary",
)
#: Chinese the English page may show that is not user data: the switch to the other language and
#: the product's name in the header ("话术 Huashu").
ZH_ON_EN_ALLOWED = ("中文", "话术")
#: Quoted words are what a customer says or a designer typed, in the script's language: a finding
#: about a Chinese script quotes Chinese ('太坑啦', «…», (不要再打了)) on an English page too.
_QUOTED = re.compile(r"(?<!\w)'[^']*'(?!\w)|«[^»]*»|\"[^\"]*\"|「[^」]*」|\([\u3000-\u303f\u4e00-\u9fff\uff00-\uffef，、 ]+\)")
_HAN = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")
_SKIP = re.compile(r"^/(static|vendor|schema|api|oauth|lang|logout|login)\b|/export|/recording|/download|\.(csv|xlsx|wav|json)$")
_PER_SHAPE = 3  # pages of one shape (ids replaced by N) visited per crawl
_MAX_PAGES = 160


class _Visible(HTMLParser):
    """The text a person reads: text nodes, placeholders, titles and labels; not scripts, styles,
    or ``class="raw"`` (a stored record shown as it is, such as the audit trail's JSON)."""

    _VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
                       "track", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if not self._hidden:
            self.parts.extend(v for k in ("placeholder", "title", "aria-label") if (v := a.get(k)))
        if tag in self._VOID:
            return
        if self._hidden or tag in ("script", "style", "template") or "raw" in (a.get("class") or "").split():
            self._hidden.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._hidden and self._hidden[-1] == tag:
            self._hidden.pop()

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    p = _Visible()
    p.feed(html)
    return " ".join(" ".join(p.parts).split())


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        try:
            parsed = json.loads(value) if value[:1] in "[{" else None
        except ValueError:
            parsed = None
        if parsed is not None:
            yield from _strings(parsed)
        else:
            yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _user_data(db: Path) -> list[str]:
    """Every text the users and the calls put into the database (script documents, names,
    transcripts, region names...): the words the pages show as data, in whatever language."""
    out: set[str] = set()
    with sqlite3.connect(db) as c:
        tables = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in c.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - table names from sqlite_master
                for v in row:
                    if isinstance(v, str):
                        out.update(s for s in _strings(v) if s.strip())
    return sorted(out, key=len, reverse=True)


def _prose(data: list[str]) -> list[str]:
    """The user data that is text for people (has a space or a Chinese character), not a code:
    a code such as ``no_answer`` in a stored row must still not reach a Chinese page."""
    return [s for s in data if len(s) > 3 and (" " in s.strip() or _HAN.search(s))]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data_dir = tmp_path_factory.mktemp("demo-i18n")
    env = dict(os.environ, HUASHU_DATA_DIR=str(data_dir))
    res = subprocess.run([sys.executable, "-m", "huashu", "demo", "--headless", "--customers", "150", "--json"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    settings = Settings(data_dir=data_dir)
    app = create_app(settings, make_engine(settings.db_url), secure_cookies=False)
    passwords = {a["username"]: a["password"] for a in out["accounts"]}
    return {"app": app, "passwords": passwords, "db": data_dir / "huashu.db", "task_id": out["task_id"]}


def _client(demo: dict[str, Any], role: str, lang: str) -> TestClient[Any]:
    c: TestClient[Any] = TestClient(demo["app"])
    c.get("/login", headers=HTML)
    r = c.post("/login", data={"username": role, "password": demo["passwords"][role], "next": "/",
                               "_csrf_token": c.cookies.get("huashu_csrf")}, follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    c.cookies.set("lang", lang)
    return c


def _form(c: TestClient[Any], url: str, data: dict[str, str]) -> Any:
    return c.post(url, data={**data, "_csrf_token": c.cookies.get("huashu_csrf")}, headers=HTML,
                  follow_redirects=False)


@pytest.fixture(scope="module")
def reviewed(demo: dict[str, Any]) -> dict[str, Any]:
    """Review states beside the demo's approved versions: v2 rejected with a comment, v3 in review,
    and the messages the designer and the reviewer were shown on the way, per language."""
    designer, reviewer = _client(demo, "designer", "zh"), _client(demo, "reviewer", "zh")
    key = "broadband-renewal"
    flashes: dict[str, str] = {}
    for number in (2, 3):
        assert _form(designer, f"/scripts/{key}/versions/1/new-draft", {}).status_code in (302, 303)
        assert _form(designer, f"/scripts/{key}/submit", {"comment": "v" + str(number)}).status_code in (302, 303)
    r = _form(reviewer, f"/scripts/{key}/versions/2/reject", {"comment": ""})
    flashes["reject_without_comment"] = visible_text(reviewer.get(r.headers["location"], headers=HTML).text)
    _form(reviewer, f"/scripts/{key}/versions/2/reject", {"comment": "请把价格说在前面"})
    # a blank script cannot be submitted: the designer is told why, in the page's language
    for lang in ("zh", "en"):
        designer.cookies.set("lang", lang)
        sid = f"blank-{lang}"
        r = _form(designer, "/scripts/new", {"name": sid, "id": sid, "language": "zh-CN"})
        assert r.status_code in (302, 303), r.text
        r = _form(designer, f"/scripts/{sid}/submit", {})
        flashes[f"invalid_submit_{lang}"] = visible_text(designer.get(r.headers["location"], headers=HTML).text)
    return {"key": key, "flashes": flashes}


def _links(base: str, html: str) -> Iterator[str]:
    for attr in re.findall(r'(?:href|hx-get)="([^"#]+)"', html):
        p = urlparse(urljoin(base, attr.replace("&amp;", "&")))
        if p.netloc or not p.path.startswith("/") or _SKIP.search(p.path):
            continue
        yield p.path + (f"?{p.query}" if p.query else "")


def crawl(c: TestClient[Any]) -> dict[str, str]:
    """url -> the visible text of every HTML page reachable from ``/`` (a few of each shape)."""
    pages: dict[str, str] = {}
    todo, shapes = ["/"], {}  # type: ignore[var-annotated]
    while todo and len(pages) < _MAX_PAGES:
        url = todo.pop(0)
        r = c.get(url, headers=HTML)
        assert r.status_code < 500, (url, r.status_code, r.text[:300])
        if r.status_code != 200 or "text/html" not in r.headers.get("content-type", ""):
            continue
        pages[url] = visible_text(r.text)
        for link in _links(url, r.text):
            group = shapes.setdefault(re.sub(r"\d+", "N", urlparse(link).path), set())
            if link not in group and len(group) < _PER_SHAPE:
                group.add(link)
                todo.append(link)
    return pages


def english_words(text: str, prose: list[str]) -> list[str]:
    for s in prose:  # what users wrote may be English (the English demo script); it is not the UI's
        text = text.replace(" ".join(s.split()), " ")
    return [w for w in ENGLISH_ON_ZH if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]


def chinese_runs(text: str, data: str) -> list[str]:
    text = _QUOTED.sub(" ", text)
    return sorted({run for run in _HAN.findall(text) if run not in ZH_ON_EN_ALLOWED and run not in data})


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_every_page_speaks_the_page_language(demo: dict[str, Any], reviewed: dict[str, Any], role: str) -> None:
    data = _user_data(demo["db"])
    prose, blob = _prose(data), "\n".join(data)
    seen: dict[str, set[str]] = {}
    for lang in ("zh", "en"):
        pages = crawl(_client(demo, role, lang))
        seen[lang] = {re.sub(r"\d+", "N", urlparse(u).path) for u in pages}
        found = {u: (english_words(text, prose) if lang == "zh" else chinese_runs(text, blob))
                 for u, text in pages.items()}
        leaks = {u: words for u, words in found.items() if words}
        assert not leaks, f"{role} on {lang} pages: {json.dumps(leaks, ensure_ascii=False, indent=1)}"
    # the crawl reached the pages of the role's work, in both languages
    want = {"operator": {"/operator/tasks/N", "/operator/calls/N", "/operator/calls/N/sms", "/analytics/N"},
            "designer": {"/scripts/{k}/edit", "/scripts/{k}/history"},
            "reviewer": {"/reviews", "/scripts/{k}/review"},
            "admin": {"/users", "/audit", "/operator/tasks/N", "/operator/callerids"}}[role]
    want = {w.replace("{k}", reviewed["key"]) for w in want}
    for lang in ("zh", "en"):
        assert want <= seen[lang], (lang, sorted(want - seen[lang]))


@pytest.mark.slow
def test_analytics_names_the_task_and_keeps_the_call_list_clock(demo: dict[str, Any]) -> None:
    tid = demo["task_id"]
    with sqlite3.connect(demo["db"]) as c:
        name = c.execute("SELECT name FROM campaign_task WHERE id = ?", (tid,)).fetchone()[0]
    for lang in ("zh", "en"):
        client = _client(demo, "operator", lang)
        report = client.get(f"/analytics/{tid}", headers=HTML).text
        heading = re.search(r'<h1 id="report-heading">(.*?)</h1>', report)
        assert heading and heading[1] == name, heading
        period = re.search(r'id="report-period">(\S+ \S+) … (\S+ \S+) \(UTC\)', report)
        assert period, report[:2000]
        calls = visible_text(client.get(f"/operator/calls?task={tid}", headers=HTML).text)
        assert period[2] in calls  # the newest call of the list is the report's last call, same clock
        assert name in visible_text(client.get("/analytics", headers=HTML).text)


@pytest.mark.slow
def test_server_messages_reach_the_page_in_its_language(reviewed: dict[str, Any]) -> None:
    f = reviewed["flashes"]
    assert "驳回时需要填写意见" in f["reject_without_comment"] and "needs a comment" not in f["reject_without_comment"]
    assert "个校验错误，不能提交审核" in f["invalid_submit_zh"] and "validation error" not in f["invalid_submit_zh"]
    assert "validation error(s) and cannot be submitted" in f["invalid_submit_en"]


def test_the_checks_see_what_they_look_for() -> None:
    """The detectors themselves: a leak is found, data and the raw audit record are not."""
    html = ('<p>状态 <code>no_answer</code> <span title="NORMAL_CLEARING">正常挂机</span></p>'
            '<code class="raw">{"redial_outcomes": "no_answer,busy"}</code><script>var x = "busy";</script>'
            '<p>Are you busy today?</p>')
    text = visible_text(html)
    assert english_words(text, ["Are you busy today?"]) == ["NORMAL_CLEARING", "no_answer"]
    assert chinese_runs("Task 演示任务 · 无意向 · 中文 · the customer's '太坑啦' matched nothing", "演示任务") == ["无意向"]
