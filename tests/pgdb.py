"""Throwaway PostgreSQL databases for the tests that need a real server (marker ``postgres``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from huashu.core.db import init_db, make_engine

__all__ = ["PG_ADMIN", "throwaway_database", "truncate_all"]

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@contextmanager
def throwaway_database(prefix: str) -> Iterator[str]:
    """A new database ``<prefix>_<random>`` on 127.0.0.1, dropped (connections forced off) afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def truncate_all(url: str) -> None:
    """Bring the database to the current schema and empty every table (ids restart at 1)."""
    from sqlmodel import SQLModel

    eng = make_engine(url)
    init_db(eng)
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with eng.begin() as c:
        c.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    eng.dispose()
