"""The web app under test and its clients: users per role, the CSRF token, signing in.

One definition each: the web, operator, designer, lab, compliance and security tests all sign in
through the real login form and used to carry their own copy of these helpers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy.engine import Engine

from huashu.core.config import Settings
from huashu.core.db import make_engine
from tests.support.dbfiles import fresh_sqlite
from tests.support.hashing import cheap_hashing
from tests.support.scripts import import_approved

__all__ = ["HTML", "PASSWORD", "ROLES", "api_app", "app_settings", "app_with_users", "cheap_hashing", "csrf_of", "jpost", "sign_in", "browser_sign_in",
           "sign_in_token", "signed_in"]

PASSWORD = "correct-horse-1"
ROLES = ("admin", "designer", "reviewer", "operator")
HTML = {"accept": "text/html"}


def app_settings(data_dir: Any, secret: str = "test-secret", *, espeak: bool = True, **kw: Any) -> Settings:
    """Settings on ``data_dir`` with a long enough secret; ``espeak``: the local TTS only, so no
    test reaches for a network voice."""
    s = Settings(data_dir=data_dir, secret_key=secret + "-" + "x" * 32, **kw)
    if espeak:
        s.speech.tts_provider = "espeak"
        s.speech.tts_fallbacks = []
    return s


def app_with_users(settings: Settings, users: Iterable[str] | Mapping[str, str] = ROLES, **kw: Any) -> Litestar:
    """The real app (``web.app.create_app``) on ``settings``' database with one user per role
    (a tuple of roles: each user named after its role; a mapping: user name to role), every
    password :data:`PASSWORD`. ``kw`` go to ``create_app``, which brings the schema to head."""
    from web.app import create_app
    from web.auth.users import create_user

    if not settings.database_url and not (settings.data_dir / "huashu.db").exists():
        # the database at head from the template (a millisecond), not create_all and a stamp in
        # create_app (a third of a second); ensure_dirs is create_app's own first step
        settings.ensure_dirs()
        fresh_sqlite(settings.data_dir / "huashu.db")
    engine = make_engine(settings.db_url)
    kw.setdefault("secure_cookies", False)
    app = create_app(settings, engine, **kw)
    pairs = users.items() if isinstance(users, Mapping) else ((role, role) for role in users)
    for name, role in pairs:
        create_user(engine, name, PASSWORD, role)
    return app


def csrf_of(client: TestClient[Any], html: str | None = None) -> str:
    """The CSRF token: the cookie if the client has it, else the page's meta tag (``html``, or
    the login page fetched for it)."""
    token = client.cookies.get("huashu_csrf")
    if token is None:
        if html is None:
            html = client.get("/login", headers=HTML).text
        m = re.search(r'name="csrf-token" content="([^"]+)"', html)
        assert m, "no CSRF token on the page"
        token = client.cookies.get("huashu_csrf") or m.group(1)
    return str(token)


def sign_in(client: TestClient[Any], username: str, password: str = PASSWORD, *, next_url: str = "/scripts",
            **headers: str) -> Any:
    """Post the login form as ``username``; returns the response (a redirect when it worked)."""
    client.get("/login", headers=HTML)
    return client.post(
        "/login",
        data={"username": username, "password": password, "next": next_url, "_csrf_token": csrf_of(client)},
        headers=headers or None,
        follow_redirects=False,
    )


def sign_in_token(client: TestClient[Any], username: str, *, landing: str = "/scripts") -> str:
    """Sign ``username`` in (asserting it worked) and open ``landing``; returns the CSRF token
    for later posts."""
    html = client.get("/login", headers=HTML).text
    r = client.post("/login", data={"username": username, "password": PASSWORD, "next": landing,
                                    "_csrf_token": csrf_of(client, html)}, follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    return csrf_of(client, client.get(landing, headers=HTML).text)


def signed_in(app: Litestar, username: str) -> TestClient[Any]:
    """A client of ``app`` signed in as ``username`` (not entered as a context manager: several
    clients of one app in one test would each run the lifespan, and the second exit deadlocks)."""
    c: TestClient[Any] = TestClient(app)
    r = sign_in(c, username)
    assert r.status_code in (302, 303), r.text
    return c


def jpost(client: TestClient[Any], url: str, body: Any, method: str = "POST") -> Any:
    """A JSON request with the CSRF header, as the editor sends it."""
    return client.request(method, url, json=body, headers={"x-csrftoken": csrf_of(client), "accept": "application/json"})


@contextmanager
def api_app(data_dir: Path) -> Iterator[tuple[TestClient[Any], Engine]]:
    """The real app as the API tests see it: its own SQLite file in ``data_dir``, the library's
    ``data-pack-upgrade`` script approved (so tasks can start), debug on; the client is entered."""
    from web.app import create_app

    settings = Settings(data_dir=data_dir, database_url=fresh_sqlite(data_dir / "api.db"), secret_key="test-secret")
    engine = make_engine(settings.db_url)
    import_approved(engine, designer="d", reviewer="r")
    with TestClient(create_app(settings, engine, debug=True)) as client:
        yield client, engine
    engine.dispose()


def browser_sign_in(browser: Any, base_url: str, user: str, *, locale: str = "zh-CN", width: int = 1366) -> Any:
    """A new Chromium context and page signed in as ``user`` on the live server at ``base_url``;
    the page's JavaScript errors collect in ``page.errors`` (a journey asserts there are none)."""
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale=locale)
    page = ctx.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/scripts$"))
    return page
