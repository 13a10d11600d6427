"""Fixtures for the campaign tests; ``db_url``/``engine``/``pg_url`` (SQLite, or the emptied
throwaway PostgreSQL database) come from ``tests/conftest.py``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from huashu.core.db import init_db, make_engine


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'huashu.db'}"


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    eng = make_engine(sqlite_url)
    init_db(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    eng = make_engine(pg_url)
    yield eng
    eng.dispose()


@pytest.fixture
def cli_db(tmp_path, monkeypatch) -> Iterator[tuple[str, Engine]]:
    """For CLI tests: the data dir in ``tmp_path``, and a SQLite database in which the library's
    ``data-pack-upgrade`` script is approved (so tasks can start)."""
    import json

    from sqlmodel import Session

    from designer import store
    from huashu.core.config import get_settings
    from scripts_library import LIBRARY_DIR

    monkeypatch.setenv("HUASHU_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    init_db(engine)
    with Session(engine) as s:
        doc = json.loads((LIBRARY_DIR / "data_pack_upgrade.json").read_text(encoding="utf-8"))
        v = store.import_document(s, doc, actor="d")
        store.submit(s, v.script_id, v.number, actor="d")
        store.approve(s, v.script_id, v.number, actor="r")
        s.commit()
    yield url, engine
    engine.dispose()
    get_settings.cache_clear()
