"""Fixtures of the reach tests: ``sqlite_engine`` (one file, tables created)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from huashu.core.db import init_db, make_engine


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'reach.db'}")
    init_db(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    eng = make_engine(pg_url)
    yield eng
    eng.dispose()
