"""Fixtures for the operator pages: a seeded database per test and signed-in clients per role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from op_helpers import Seed, build_seed, install, sign_in

from huashu.core.config import Settings
from huashu.core.db import make_engine
from web.app import create_app


@pytest.fixture(scope="session")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Seed:
    return build_seed(tmp_path_factory.mktemp("operator-seed"))


@pytest.fixture
def op_settings(tmp_path: Path, seed: Seed) -> Settings:
    s = Settings(data_dir=tmp_path / "var", secret_key="test-secret-" + "x" * 32)
    install(seed, s.data_dir)
    return s


@pytest.fixture
def op_app(op_settings: Settings) -> Any:
    engine = make_engine(op_settings.db_url)
    app = create_app(op_settings, engine, secure_cookies=False)
    yield app
    engine.dispose()


@pytest.fixture
def client_as(op_app: Any, op_settings: Settings) -> Iterator[Any]:
    """``client_as("operator")``: a client signed in with that role (None: anonymous).

    The first client uses ``op_app``; later ones get their own app on the same engine and
    session store: two TestClients sharing one Litestar app hang at lifespan shutdown here.
    """
    clients: list[TestClient[Any]] = []

    def make(role: str | None) -> TestClient[Any]:
        app = op_app if not clients else create_app(op_settings, op_app.state.engine, secure_cookies=False)
        c: TestClient[Any] = TestClient(app)
        c.__enter__()
        clients.append(c)
        if role is not None:
            r = sign_in(c, role, next_url="/operator/tasks")
            assert r.status_code in (302, 303), r.text
        return c

    yield make
    for c in clients:
        c.__exit__(None, None, None)
