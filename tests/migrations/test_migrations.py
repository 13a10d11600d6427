"""Migrations build the schema the models describe, from an empty database, on SQLite and PostgreSQL;
autogenerate finds nothing left to write after ``upgrade head`` (a model change without a revision
fails here); concurrent upgrades take turns under one lock."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, Table, text
from sqlmodel import SQLModel

import web  # noqa: F401 - registers every layer's tables
from huashu.core.db import import_table_modules, make_engine
from huashu.core.migrate import alembic_config, upgrade


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
    from huashu.core.db import init_db

    url = f"sqlite:///{tmp_path / 'i.db'}"
    engine = make_engine(url)
    init_db(engine)
    with engine.connect() as conn:
        head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
    init_db(engine)  # managed now: upgrade to head is a no-op
    engine.dispose()
    assert _diffs(url) == []


# --- the policy: every model change ships with a revision (docs/multinode.md, "Schema changes") ---


def _strict_diffs(url: str, metadata: MetaData | None = None) -> list[object]:
    """What ``alembic revision --autogenerate`` would write: tables, columns, indexes, types and
    server defaults of the models against the database."""
    import_table_modules()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
            return list(compare_metadata(ctx, metadata if metadata is not None else SQLModel.metadata))
    finally:
        engine.dispose()


def _one_head_and_at_it(url: str) -> None:
    heads = ScriptDirectory.from_config(alembic_config(url)).get_heads()
    assert len(heads) == 1, f"the migrations have {len(heads)} heads {heads}: merge them"
    engine = make_engine(url)
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_heads() == tuple(heads)
    engine.dispose()


def _check_autogenerate_finds_nothing(url: str) -> None:
    upgrade(url)
    _one_head_and_at_it(url)
    assert _strict_diffs(url) == []
    command.check(alembic_config(url))  # alembic's own `alembic check`: raises when a revision is due


@pytest.mark.offline
def test_sqlite_autogenerate_after_upgrade_head_finds_no_model_change(tmp_path: Path) -> None:
    _check_autogenerate_finds_nothing(f"sqlite:///{tmp_path / 'ag.db'}")


@pytest.mark.postgres
def test_postgres_autogenerate_after_upgrade_head_finds_no_model_change(fresh_pg_url: str) -> None:
    _check_autogenerate_finds_nothing(fresh_pg_url)


@pytest.mark.offline
def test_the_guard_sees_a_model_change_without_a_revision(tmp_path: Path) -> None:
    """The check above is not vacuous: a new column or table in the models is a difference."""
    url = f"sqlite:///{tmp_path / 'g.db'}"
    upgrade(url)
    import_table_modules()
    changed = MetaData()
    for t in SQLModel.metadata.sorted_tables:
        t.to_metadata(changed)
    changed.tables["campaign_task"].append_column(Column("new_field", Integer, nullable=True))
    Table("new_table", changed, Column("id", Integer, primary_key=True))
    found = {(d[0], getattr(d[-1], "name", None)) for d in _strict_diffs(url, changed) if isinstance(d, tuple)}
    assert ("add_column", "new_field") in found and ("add_table", "new_table") in found


@pytest.mark.postgres
@pytest.mark.slow  # three interpreters started at once to race: their start-up is most of it
def test_three_concurrent_db_upgrades_on_an_empty_postgres_database(fresh_pg_url: str, tmp_path: Path) -> None:
    """`huashu db upgrade` takes the lock init_db takes: three at once on an empty database all
    succeed, and the schema is built once."""
    env = {**os.environ, "HUASHU_DATABASE_URL": fresh_pg_url, "HUASHU_DATA_DIR": str(tmp_path / "var")}
    procs = [subprocess.Popen([sys.executable, "-m", "huashu", "db", "upgrade"], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    results = [(p.wait(timeout=180), *p.communicate()) for p in procs]
    for rc, out, err in results:
        assert rc == 0, err[-2000:]
        assert "database at head" in out and "Traceback" not in err
    assert _strict_diffs(fresh_pg_url) == []
    engine = make_engine(fresh_pg_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    engine.dispose()


@pytest.mark.postgres
def test_init_db_and_db_upgrade_share_one_lock(fresh_pg_url: str) -> None:
    """While the migration lock is held (as by a node's init_db), `upgrade` waits for it."""
    import threading

    from huashu.core.migrate import migration_lock

    holder = make_engine(fresh_pg_url)
    done = threading.Event()
    with holder.connect() as conn, migration_lock(conn):
        t = threading.Thread(target=lambda: (upgrade(fresh_pg_url), done.set()))
        t.start()
        assert not done.wait(1.5), "upgrade ran while the migration lock was held"
    t.join(60)
    holder.dispose()
    assert done.is_set()
    assert _strict_diffs(fresh_pg_url) == []
