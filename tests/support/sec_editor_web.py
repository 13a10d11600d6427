"""A test app with one user per role and signed-in clients, for the tests/security files of the
editor/page part (tests/security has no conftest.py: three engineers write there)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

__all__ = ["PASSWORD", "ROLES", "make_app", "signed_in", "csrf_of", "cheap_hashing"]

PASSWORD = "correct-horse-1"
ROLES = ("admin", "designer", "reviewer", "operator")


def make_app(data_dir: Path) -> Litestar:
    """The real app on a fresh SQLite file, one user per role (named after it). Tests make argon2
    cheap with :func:`cheap_hashing` first (dozens of hashes at production cost take seconds)."""
    from huashu.core.config import Settings
    from huashu.core.db import make_engine
    from web.app import create_app
    from web.auth.users import create_user

    settings = Settings(data_dir=data_dir, secret_key="sec-editor-" + "z" * 32)
    settings.speech.tts_provider = "espeak"
    settings.speech.tts_fallbacks = []
    engine = make_engine(settings.db_url)
    app = create_app(settings, engine, secure_cookies=False)
    for role in ROLES:
        create_user(engine, role, PASSWORD, role)
    return app


def cheap_hashing(monkeypatch: Any) -> None:
    """Same algorithm, less work: for a ``monkeypatch`` fixture, so other tests keep the real cost."""
    from argon2 import PasswordHasher

    import web.auth.passwords as passwords

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def csrf_of(client: TestClient[Any]) -> str:
    token = client.cookies.get("huashu_csrf")
    if token is None:
        html = client.get("/login", headers={"accept": "text/html"}).text
        m = re.search(r'name="csrf-token" content="([^"]+)"', html)
        assert m
        token = client.cookies.get("huashu_csrf") or m.group(1)
    return token


def signed_in(app: Litestar, username: str) -> TestClient[Any]:
    """A client of ``app`` signed in as ``username`` (not entered as a context manager: several
    clients of one app in one test would each run the lifespan)."""
    c: TestClient[Any] = TestClient(app)
    c.get("/login", headers={"accept": "text/html"})
    r = c.post("/login", data={"username": username, "password": PASSWORD, "next": "/scripts",
                               "_csrf_token": csrf_of(c)}, follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    return c
