"""Fixtures for the web tests: an app on a temporary SQLite database, users of every role, signed-in clients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from huashu.core.config import Settings
from tests.support.web_client import app_settings, app_with_users, cheap_hashing, sign_in


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_hashing(monkeypatch)


@pytest.fixture
def web_settings(tmp_path: Path) -> Settings:
    return app_settings(tmp_path / "var")


@pytest.fixture
def web_app(web_settings: Settings) -> Any:
    return app_with_users(web_settings)


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
