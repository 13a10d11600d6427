"""The web app the sec-server security tests probe: a temporary SQLite database, one user per
role, and clients signed in as them (tests/security has no conftest.py: three engineers write
there, so the fixtures live here and each test module imports the ones it uses)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from huashu.core.config import Settings
from tests.support.web_client import PASSWORD, ROLES, app_settings, app_with_users, csrf_of, sign_in
from tests.support.web_client import cheap_hashing as make_hashing_cheap

__all__ = ["PASSWORD", "ROLES", "cheap_hashing", "sec_settings", "sec_app", "client_for", "csrf_of", "sign_in",
           "make_settings", "make_app"]


def make_settings(data_dir: Path) -> Settings:
    return app_settings(data_dir, "sec-secret")


def make_app(settings: Settings, users: tuple[str, ...] = ROLES, **kw: Any) -> Litestar:
    return app_with_users(settings, users, **kw)


@pytest.fixture
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at production cost is ~0.1 s a hash; the same algorithm with less work."""
    make_hashing_cheap(monkeypatch)


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
