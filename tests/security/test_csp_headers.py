"""Every response carries the Content-Security-Policy without inline script, and no page needs one.

The routes are walked from the app itself (a new page is covered without touching this file);
path parameters are filled from seeded data. Every HTML page is also read for inline
``<script>`` blocks and ``on...=`` attributes, which the policy would refuse.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from runtime.campaigns import tables as T
from tests.support.sec_editor_seed import seed_hostile
from tests.support.sec_editor_web import cheap_hashing, make_app, signed_in
from web.csp import CSP


def _directives(header: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def test_the_policy_itself() -> None:
    d = _directives(CSP)
    assert d["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in d["style-src"] and "'unsafe-eval'" not in " ".join(sum(d.values(), []))
    assert d["frame-ancestors"] == ["'none'"] and d["object-src"] == ["'none'"] and d["base-uri"] == ["'none'"]
    assert d["default-src"] == ["'self'"]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Litestar, dict[str, Any]]]:
    mp = pytest.MonkeyPatch()
    cheap_hashing(mp)
    try:
        app = make_app(tmp_path_factory.mktemp("csp") / "var")
        ids = seed_hostile(app.state.engine, app.state.settings.data_dir)
        with app.state.engine.connect() as c:
            ids["call"] = c.execute(select(T.attempts.c.id).order_by(T.attempts.c.id)).scalars().first()
        yield app, ids
    finally:
        mp.undo()


def _fill(path: str, ids: dict[str, Any]) -> str:
    values = {"key": ids["script"], "task_id": ids["task"], "attempt_id": ids["call"], "code": "zh",
              "file_path": "app.css", "job_id": 1, "a": 1, "b": 1, "campaign": "1", "table": "slots",
              "rid": "none.wav", "call_id": ids["call"], "path": "openapi.json"}

    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        return str(values.get(name, "1"))

    return re.sub(r"\{(\w+)(?::\w+)?\}", one, path)


def _get_paths(app: Litestar) -> list[str]:
    paths = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if "GET" in (getattr(handler, "http_methods", None) or ()):
                paths.add(route.path)
    return sorted(paths)


class _InlineScripts(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would refuse: inline scripts and on...= handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and "src" not in a and (a.get("type") or "") != "application/json":
            self.problems.append(f"inline <script {a}>")


def test_every_get_route_has_the_policy_and_no_page_needs_inline_script(seeded: tuple[Litestar, dict[str, Any]]) -> None:
    app, ids = seeded
    client = signed_in(app, "admin")
    anonymous: TestClient[Any] = TestClient(app)
    paths = _get_paths(app)
    assert "/scripts/{key:str}/edit" in paths and "/operator/calls/{attempt_id:int}" in paths and "/schema" in paths
    html_pages = 0
    for who, c in (("admin", client), ("anonymous", anonymous)):
        for template in paths:
            url = _fill(template, ids)
            r = c.get(url, headers={"accept": "text/html"}, follow_redirects=False)
            where = f"{who} GET {url} ({r.status_code})"
            policy = r.headers.get("content-security-policy")
            assert policy, f"{where}: no Content-Security-Policy"
            script_src = _directives(policy).get("script-src", _directives(policy).get("default-src", []))
            assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, where
            assert "frame-ancestors 'none'" in policy, where
            assert r.headers.get("x-content-type-options") == "nosniff", where
            assert r.headers.get("referrer-policy"), where
            if "text/html" in r.headers.get("content-type", ""):
                html_pages += 1
                parser = _InlineScripts()
                parser.feed(r.text)
                assert not parser.problems, f"{where}: {parser.problems}"
    assert html_pages >= 20  # the walk really reached the pages, not only redirects


def test_error_and_static_responses_carry_it_too(seeded: tuple[Litestar, dict[str, Any]]) -> None:
    app, _ = seeded
    c: TestClient[Any] = TestClient(app)
    for url in ("/no-such-page", "/static/app.css", "/static/editor/main.js", "/healthz", "/schema/openapi.json"):
        r = c.get(url)
        assert "script-src 'self'" in r.headers.get("content-security-policy", ""), url
        assert r.headers.get("x-content-type-options") == "nosniff", url


def test_a_header_the_handler_set_is_kept() -> None:
    """A route that needs its own policy (none today) keeps it: the hook only fills gaps."""
    import asyncio

    from web.csp import add_security_headers

    message: Any = {"type": "http.response.start", "status": 200, "headers": [(b"content-security-policy", b"sandbox")]}
    asyncio.run(add_security_headers(message, {"type": "http"}))  # type: ignore[arg-type]
    headers = dict(message["headers"])
    assert headers[b"content-security-policy"] == b"sandbox" and headers[b"x-content-type-options"] == b"nosniff"


@pytest.mark.browser
@pytest.mark.slow
def test_swagger_and_htmx_work_under_the_policy(tmp_path: Path) -> None:
    """The API docs page (Swagger UI from /vendor) renders the operations, and the htmx search on
    the script list swaps its table, with no CSP report in the console."""
    playwright = pytest.importorskip("playwright.sync_api")
    from web.testing import BROWSER_ARGS, LiveServer

    with LiveServer(tmp_path / "var", {"dora": "admin"}, "correct-horse-1") as server, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=BROWSER_ARGS)
        try:
            page = browser.new_page()
            reports: list[str] = []
            page.on("console", lambda m: reports.extend([m.text] if "Content Security Policy" in m.text else []))
            page.on("pageerror", lambda e: reports.append(str(e)))
            page.goto(f"{server.url}/schema")
            page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
            assert "Huashu" in page.locator(".swagger-ui .info").inner_text()
            page.goto(f"{server.url}/login")
            page.fill("input[name=username]", "dora")
            page.fill("input[name=password]", "correct-horse-1")
            page.click("#login-form button[type=submit]")
            page.wait_for_url(re.compile(r".*/scripts$"))
            page.fill("#new-name", "Zeta")
            page.click("#create-blank")
            page.wait_for_selector("body[data-ready='1']")
            page.goto(f"{server.url}/scripts")
            page.fill("#q", "no-such-script")
            page.wait_for_function("() => !document.querySelector('#script-table [data-script]')")
            page.fill("#q", "zeta")
            page.wait_for_selector("#script-table [data-script]")
            _confirm_still_asks(page, server)
            assert not reports, reports
        finally:
            browser.close()


def _confirm_still_asks(page: Any, server: Any) -> None:
    """The operator's "delete task" asks first (data-confirm, from /static/page.js, not onclick)."""
    import json

    from sqlmodel import Session

    from designer import store
    from runtime.campaigns.tasks import TaskSpec, create_task

    doc = json.loads((Path(__file__).resolve().parents[2] / "scripts_library" / "data_pack_upgrade.json").read_text("utf-8"))
    with Session(server.engine) as s:
        script_id = store.import_document(s, doc, actor="dora").script_id
        s.commit()
    task = create_task(server.engine, TaskSpec(name="Confirm me", business="x", script_id=script_id, script_version=1))
    asked: list[str] = []

    def answer(dialog: Any, accept: bool) -> None:
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.goto(f"{server.url}/operator/tasks/{task.id}")
    page.once("dialog", lambda d: answer(d, False))
    page.click("button[data-action=delete]")
    page.wait_for_timeout(300)
    assert len(asked) == 1 and page.url.endswith(f"/operator/tasks/{task.id}")  # dismissed: nothing sent
    page.once("dialog", lambda d: answer(d, True))
    with page.expect_navigation():
        page.click("button[data-action=delete]")
    assert len(asked) == 2
