"""The web app the sec-server security tests probe: a temporary SQLite database, one user per
role, and clients signed in as them (tests/security has no conftest.py: three engineers write
there, so the fixtures live here and each test module imports the ones it uses)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from huashu.core.config import Settings
from huashu.core.db import make_engine
from web.app import create_app
from web.auth.users import create_user

__all__ = ["PASSWORD", "ROLES", "cheap_hashing", "sec_settings", "sec_app", "client_for", "csrf_of", "sign_in",
           "make_settings", "make_app"]

PASSWORD = "correct-horse-1"
ROLES = ("admin", "designer", "reviewer", "operator")


def make_settings(data_dir: Path) -> Settings:
    s = Settings(data_dir=data_dir, secret_key="sec-secret-" + "s" * 32)
    s.speech.tts_provider = "espeak"
    s.speech.tts_fallbacks = []
    return s


def make_app(settings: Settings, users: tuple[str, ...] = ROLES, **kw: Any) -> Litestar:
    engine = make_engine(settings.db_url)
    app = create_app(settings, engine, secure_cookies=False, **kw)
    for role in users:
        create_user(engine, role, PASSWORD, role)
    return app


@pytest.fixture
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at production cost is ~0.1 s a hash; the same algorithm with less work."""
    from argon2 import PasswordHasher

    import web.auth.passwords as passwords

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def sec_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "var")


@pytest.fixture
def sec_app(sec_settings: Settings, cheap_hashing: None) -> Litestar:
    return make_app(sec_settings)


@pytest.fixture
def client_for(sec_app: Litestar) -> Iterator[Any]:
    """``client_for("admin")``: a client signed in with that role (None: anonymous)."""

    def make(role: str | None) -> TestClient[Any]:
        c: TestClient[Any] = TestClient(sec_app)
        if role is not None:
            r = sign_in(c, role)
            assert r.status_code in (302, 303), r.text
        return c

    yield make


def csrf_of(client: TestClient[Any]) -> str:
    token = client.cookies.get("huashu_csrf")
    if token is None:
        html = client.get("/login", headers={"accept": "text/html"}).text
        m = re.search(r'name="csrf-token" content="([^"]+)"', html)
        assert m, "no CSRF meta tag on /login"
        token = client.cookies.get("huashu_csrf") or m.group(1)
    return token


def sign_in(client: TestClient[Any], username: str, password: str = PASSWORD, **headers: str) -> Any:
    client.get("/login", headers={"accept": "text/html"})
    return client.post(
        "/login",
        data={"username": username, "password": password, "next": "/scripts", "_csrf_token": csrf_of(client)},
        headers=headers or None,
        follow_redirects=False,
    )
