"""Database engine and sessions (SQLModel over SQLAlchemy 2). SQLite by default, PostgreSQL for multi-node.

Every module that defines tables registers them on ``SQLModel.metadata`` when imported; each
layer registers its table modules here (:func:`register_table_modules`) and :func:`init_db`
imports the registered ones, so ``create_all`` sees every table the running process knows.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, SQLModel, create_engine

__all__ = ["register_table_modules", "table_modules", "import_table_modules", "make_engine", "init_db", "session_scope"]

# Modules that define tables, registered by the layer that owns them (each package's
# ``__init__``: designer, runtime, web) with :func:`register_table_modules`. Importing ``web``
# registers every layer's tables (it imports the layers below it); a registered module that
# does not import is an error, never skipped.
_TABLE_MODULES: list[str] = []


def register_table_modules(*names: str) -> None:
    """Declare modules whose import defines tables (imported by :func:`init_db`)."""
    for name in names:
        if name not in _TABLE_MODULES:
            _TABLE_MODULES.append(name)


def table_modules() -> tuple[str, ...]:
    return tuple(_TABLE_MODULES)


def _bind_null(_value: None) -> None:
    return None


# The sqlite3 module binds str/int/float/bytes directly but sends every None through its
# adapter protocol (a dictionary miss, then attribute lookups for __adapt__ and __conform__):
# with a registered adapter the dictionary hit ends it. None still binds as NULL; a
# million-row dial-queue load binds a few million of them (measured: a 19-column insert of
# mostly NULLs takes 2.4x as long without it).
sqlite3.register_adapter(type(None), _bind_null)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _private_sqlite_file(url: str) -> Any:
    """A ``do_connect`` listener that creates the database file 0600 just before SQLite would
    create it with the umask's mode (SQLite gives its -wal and -shm files the same mode). Only
    when the folder exists: a missing folder stays an error SQLite reports (``/readyz`` says it)."""
    from sqlalchemy.engine import make_url

    database = make_url(url).database

    def create(*_args: Any) -> None:
        if not database or database == ":memory:" or database.startswith("file:"):
            return
        path = Path(database)
        if path.parent.is_dir() and not path.exists():
            with contextlib.suppress(FileExistsError):
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                os.chmod(path, 0o600)

    return create


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "do_connect", _private_sqlite_file(url))
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def import_table_modules() -> None:
    for name in _TABLE_MODULES:
        importlib.import_module(name)


def init_db(engine: Engine) -> None:
    """Bring the database to the current schema.

    A database that alembic already manages is migrated to head. A new (or pre-migration)
    database gets the tables of the current models and is stamped at head, so later releases
    migrate it. On PostgreSQL an advisory lock keeps concurrent starts of several nodes apart.
    """
    from huashu.core.migrate import migration_lock

    import_table_modules()
    with engine.connect() as conn, migration_lock(conn):  # the lock `huashu db upgrade` takes too
        _migrate_or_create(conn)
        conn.commit()


def _migrate_or_create(conn: Connection) -> None:
    from alembic import command

    from huashu.core.migrate import alembic_config

    cfg = alembic_config(str(conn.engine.url))
    cfg.attributes["connection"] = conn
    if inspect(conn).has_table("alembic_version"):
        command.upgrade(cfg, "head")
        # A process that registers more layers than the one that created the database (a web
        # node after a runtime node started first on an empty database) creates the tables the
        # first one did not know; every table a migration made exists already and is skipped.
        SQLModel.metadata.create_all(conn)
        return
    SQLModel.metadata.create_all(conn)
    command.stamp(cfg, "head")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
