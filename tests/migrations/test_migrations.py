"""Migrations build the schema the models describe, from an empty database, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

from runtime.db import import_table_modules, make_engine
from runtime.migrate import upgrade


def _diffs(url: str) -> list[object]:
    import_table_modules()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": False})
            return list(compare_metadata(ctx, SQLModel.metadata))
    finally:
        engine.dispose()


@pytest.mark.offline
def test_sqlite_empty_to_head_matches_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    assert _diffs(url) == []
    upgrade(url)  # a second run is a no-op


@pytest.fixture
def fresh_pg_url() -> Iterator[str]:
    """An empty database of its own: migrations must start from nothing, not from the shared one."""
    from tests.pgdb import throwaway_database

    with throwaway_database("huashu_mig") as url:
        yield url


@pytest.mark.postgres
def test_postgres_empty_to_head_matches_the_models(fresh_pg_url: str) -> None:
    upgrade(fresh_pg_url)
    assert _diffs(fresh_pg_url) == []
    engine = make_engine(fresh_pg_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    engine.dispose()


@pytest.mark.offline
def test_init_db_stamps_a_new_database_and_migrates_a_managed_one(tmp_path: Path) -> None:
    from runtime.db import init_db

    url = f"sqlite:///{tmp_path / 'i.db'}"
    engine = make_engine(url)
    init_db(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0001"
    init_db(engine)  # managed now: upgrade to head is a no-op
    engine.dispose()
    assert _diffs(url) == []
