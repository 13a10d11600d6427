"""The web layer on Litestar's idioms: what must hold for every page handler, present and future.

- (no sync handler that may do I/O runs on the event loop, where it would block every other
  request: tests/web/test_handlers_off_loop.py checks the whole app);
- no SQL statement runs on the event loop while pages are served (guards read the user the
  authentication middleware loaded in a thread; handlers run in worker threads);
- every page route is guarded, except the few public ones named here;
- the areas are mounted by plain imports, and their templates come from the app's config.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from sqlalchemy import event

from tests.support.web_client import csrf_of
from web.auth.guards import require_permission

# Sync handlers allowed on the event loop: they answer from the request alone (a redirect, a
# cookie, a form page) and never reach the database, a file or a model.
# Reachable without signing in (the probes, the sign-in flow, redirects to guarded pages).
_PUBLIC = {"_healthz", "_readyz", "_metrics", "home", "operator_home", "login_page", "login", "logout",
           "switch_language"}
# The API is the API helper's: bearer tokens, its own guard and its own thread rules.
_THEIRS = ("/api", "/oauth", "/schema", "/static", "/vendor")


def _page_handlers(app: Litestar) -> Iterator[tuple[str, HTTPRouteHandler]]:
    for route in app.routes:
        if route.path.startswith(_THEIRS):
            continue
        for handler in getattr(route, "route_handlers", []):
            # Litestar adds an OPTIONS handler to every path (CORS preflight): the framework's, no I/O
            if isinstance(handler, HTTPRouteHandler) and handler.handler_name != "options_handler":
                yield route.path, handler


def test_every_page_route_is_guarded(web_app: Litestar) -> None:
    unguarded = sorted(
        f"{path} {handler.handler_name}"
        for path, handler in _page_handlers(web_app)
        if handler.handler_name not in _PUBLIC and require_permission not in handler.resolve_guards()
    )
    assert unguarded == []


def test_controllers_state_the_permission_once(web_app: Litestar) -> None:
    """A page's permission comes from its controller's ``opt`` (a handler overrides it only to
    ask for more); every guarded page names one."""
    missing = sorted(
        f"{path} {handler.handler_name}"
        for path, handler in _page_handlers(web_app)
        if require_permission in handler.resolve_guards() and "permission" not in handler.opt
    )
    assert missing == []


def test_the_areas_are_mounted_with_their_templates(web_app: Litestar) -> None:
    paths = {r.path for r in web_app.routes}
    assert {"/api/v1/tasks", "/operator/tasks", "/analytics"} <= paths
    assert web_app.state.areas == frozenset({"api", "operator", "analytics"})
    env = web_app.template_engine.engine  # type: ignore[union-attr]
    assert env.get_template("analytics_index.html") is not None  # no loader rewired per request


@pytest.fixture
def statements_on_loop(web_app: Litestar) -> Iterator[list[str]]:
    """The SQL statements executed in a thread that runs an event loop."""
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # a worker thread: fine
        seen.append(statement.split("\n")[0][:120])

    engine = web_app.state.engine
    event.listen(engine, "before_cursor_execute", before)
    yield seen
    event.remove(engine, "before_cursor_execute", before)


def test_no_sql_runs_on_the_event_loop(client_for: Any, statements_on_loop: list[str]) -> None:
    admin = client_for("admin")
    html = {"accept": "text/html"}
    pages = ["/scripts", "/reviews", "/users", "/audit", "/privacy", "/operator/tasks", "/operator/calls",
             "/operator/blacklist", "/operator/settings", "/operator/callerids", "/analytics/audiences/list"]
    for url in pages:
        r = admin.get(url, headers=html)
        assert r.status_code == 200, (url, r.status_code, r.text[:300])
    r = admin.post("/scripts/new", data={"name": "Loop check", "_csrf_token": csrf_of(admin)}, follow_redirects=False)
    assert r.status_code in (302, 303)
    assert admin.get(r.headers["location"], headers=html).status_code == 200
    assert statements_on_loop == [], statements_on_loop


def test_the_detector_above_sees_a_query_on_the_loop(web_app: Litestar, statements_on_loop: list[str]) -> None:
    from sqlalchemy import text

    async def on_loop() -> None:
        with web_app.state.engine.connect() as c:
            c.execute(text("SELECT 1"))

    asyncio.run(on_loop())
    assert statements_on_loop == ["SELECT 1"]


def test_a_form_field_sent_twice_is_refused_not_a_crash(client_for: Any) -> None:
    """Typed forms: a hostile body that does not fit the form is a 400, never a 500."""
    admin = client_for("admin")
    r = admin.post("/scripts/new", content="name=a&name=b&_csrf_token=" + csrf_of(admin),
                   headers={"content-type": "application/x-www-form-urlencoded", "accept": "application/json"},
                   follow_redirects=False)
    assert r.status_code == 400, r.text
