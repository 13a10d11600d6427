"""No handler of the app blocks the event loop: a sync handler runs in a worker thread unless it
is on a short list of handlers that do no I/O (a redirect, a constant, a cookie).

A sync handler declared ``sync_to_thread=False`` runs on the event loop, so while it queries the
database or screens numbers every other request (``/healthz`` included) waits. The test reads
what Litestar registered (``has_sync_callable`` after registration: True only for a sync
function that will run on the loop), so a new handler is checked the day it is added.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from huashu.core.config import Settings
from huashu.core.db import make_engine
from web.app import create_app

#: module:function of sync handlers that do no I/O, so running on the loop costs nothing
NO_IO = {
    "web.app:_healthz",  # a constant: the probe must answer even when every thread is busy
    "web.pages.scripts:home",  # redirect
    "web.operator.task_routes:operator_home",  # redirect
    "web.auth.routes:switch_language",  # redirect + cookie
    "web.auth.routes:logout",  # clears the session in memory; the middleware writes the store
    "web.auth.routes:login_page",  # the user comes from the scope (web.auth.middleware loaded it in a thread)
    "web.pages.privacy:privacy_page",  # the form alone, no database
    "web.csp:render_oauth2_redirect",  # a constant page
}

def _name(h: HTTPRouteHandler) -> str:
    fn = getattr(h.fn, "func", h.fn)  # Litestar wraps a function it runs in a thread
    return f"{fn.__module__}:{fn.__name__}"


def _on_loop(app: Litestar) -> set[str]:
    """The app's own sync handlers that Litestar will call on the event loop."""
    names = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for h in route.route_handlers:
            name = _name(h)
            if h.has_sync_callable and not name.startswith("litestar."):  # OPTIONS, /schema: the framework's
                names.add(name)
    return names


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Litestar:
    tmp: Path = tmp_path_factory.mktemp("offloop")
    settings = Settings(data_dir=tmp, database_url=f"sqlite:///{tmp / 'a.db'}", secret_key="off-loop")
    return create_app(settings, make_engine(settings.db_url), debug=True)


def test_no_handler_that_does_io_runs_on_the_event_loop(app: Litestar) -> None:
    stale = NO_IO - _on_loop(app)
    assert not stale, f"no longer sync handlers on the loop: remove them from NO_IO: {sorted(stale)}"
    blocking = _on_loop(app) - NO_IO
    assert not blocking, f"sync handlers on the event loop (give them sync_to_thread=True or make them async): {sorted(blocking)}"


def test_every_api_handler_runs_off_the_loop(app: Litestar) -> None:
    """The API has no exception at all: every handler is async or runs in a thread."""
    api = {h for route in app.routes if isinstance(route, HTTPRoute) and route.path.startswith(("/api/", "/oauth/"))
           for h in route.route_handlers if not _name(h).startswith("litestar.")}
    assert api, "no API handlers found"
    assert not [_name(h) for h in api if h.has_sync_callable]


def test_the_walk_sees_a_handler_declared_on_the_loop(tmp_path: Path) -> None:
    """The check itself: a sync handler with sync_to_thread=False is reported, one with True is not."""
    from litestar import get

    @get("/blocking", sync_to_thread=False)
    def blocking() -> str:
        return "x"

    @get("/threaded", sync_to_thread=True)
    def threaded() -> str:
        return "x"

    found = _on_loop(Litestar([blocking, threaded]))
    assert f"{__name__}:blocking" in found and f"{__name__}:threaded" not in found
