"""Schema migrations through alembic, configured in code (no alembic.ini to keep in step).

Every path that changes the schema — ``huashu db upgrade`` (:func:`upgrade`) and the start of
any process (:func:`huashu.core.db.init_db`) — runs under :func:`migration_lock`: on PostgreSQL a
session advisory lock, so several nodes or several ``db upgrade`` runs started at once take
turns, and each one after the first finds the schema at head and does nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

__all__ = ["alembic_config", "upgrade", "current", "autogenerate", "migration_lock", "MIGRATION_LOCK_KEY"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

#: the PostgreSQL advisory lock key every schema change takes ("huas")
MIGRATION_LOCK_KEY = 0x68756173


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@contextmanager
def migration_lock(conn: Connection) -> Iterator[None]:
    """Hold the schema-change lock on ``conn`` for the block (PostgreSQL; other databases: a
    no-op — SQLite serialises writers itself). The caller commits inside the block; the lock
    is a session lock, so it outlives that commit and is released here."""
    if conn.dialect.name != "postgresql":
        yield
        return
    conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
    try:
        yield
    finally:
        if conn.in_transaction():
            conn.rollback()  # a failed migration: undo it before unlocking (PostgreSQL DDL is transactional)
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
        conn.commit()


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision`` under :func:`migration_lock`."""
    from huashu.core.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn, migration_lock(conn):
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            conn.commit()
    finally:
        engine.dispose()


def current(url: str) -> None:
    command.current(alembic_config(url), verbose=False)


def autogenerate(url: str, message: str) -> None:
    command.revision(alembic_config(url), message=message, autogenerate=True)
