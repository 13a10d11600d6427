"""Fixtures for the web tests: an app on a temporary SQLite database, users of every role, signed-in clients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from web_helpers import PASSWORD, ROLES, sign_in

from huashu.core.config import Settings
from huashu.core.db import make_engine
from web.app import create_app
from web.auth.users import create_user


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at its production cost takes ~0.1 s a hash; the tests hash dozens. Same algorithm, less work."""
    from argon2 import PasswordHasher

    import web.auth.passwords as passwords

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def web_settings(tmp_path: Path) -> Settings:
    s = Settings(data_dir=tmp_path / "var", secret_key="test-secret-" + "x" * 32)
    s.speech.tts_provider = "espeak"
    s.speech.tts_fallbacks = []
    return s


@pytest.fixture
def web_app(web_settings: Settings) -> Any:
    engine = make_engine(web_settings.db_url)
    app = create_app(web_settings, engine, secure_cookies=False)
    for role in ROLES:
        create_user(engine, role, PASSWORD, role)
    return app


@pytest.fixture
def client_for(web_app: Any) -> Iterator[Any]:
    """``client_for("designer")``: a client signed in with that role (None: anonymous)."""
    clients: list[TestClient[Any]] = []

    def make(role: str | None) -> TestClient[Any]:
        # not entered as a context manager: several clients of one app in one test (two browser
        # tabs, two users) would each run the app's lifespan, and the second exit deadlocks
        c: TestClient[Any] = TestClient(web_app)
        clients.append(c)
        if role is not None:
            r = sign_in(c, role)
            assert r.status_code in (302, 303), r.text
        return c

    yield make
    clients.clear()


