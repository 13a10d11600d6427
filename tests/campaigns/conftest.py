"""Fixtures for the campaign tests; ``db_url``/``engine``/``sqlite_engine``/``pg_engine`` (SQLite,
or the emptied throwaway PostgreSQL database) come from ``tests/conftest.py``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from huashu.core.db import make_engine
from tests.support.dbfiles import fresh_sqlite
from tests.support.scripts import import_approved


@pytest.fixture
def cli_db(tmp_path, monkeypatch) -> Iterator[tuple[str, Engine]]:
    """For CLI tests: the data dir in ``tmp_path``, and a SQLite database in which the library's
    ``data-pack-upgrade`` script is approved (so tasks can start)."""
    from huashu.core.config import get_settings

    monkeypatch.setenv("HUASHU_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    url = fresh_sqlite(tmp_path / "cli.db")
    engine = make_engine(url)
    import_approved(engine, designer="d", reviewer="r")
    yield url, engine
    engine.dispose()
    get_settings.cache_clear()


@pytest.fixture
def task_env(cli_db, tmp_path) -> Iterator[tuple[str, Path, Engine, Path]]:
    """``cli_db`` and a two-row list with the ``fee`` column the script's ``extra_fee`` maps to:
    (url, tmp_path, engine, list file)."""
    url, engine = cli_db
    lst = tmp_path / "list.csv"
    lst.write_text("phone,fee\n13800000010,20\n13800000021,35\n", encoding="utf-8")
    yield url, tmp_path, engine, lst


@pytest.fixture
def intake_env(cli_db, tmp_path) -> Iterator[tuple[str, Path, Engine]]:
    """``cli_db`` as (url, tmp_path, engine), for the data-intake tests that write their own files."""
    url, engine = cli_db
    yield url, tmp_path, engine
