"""Fixtures for the campaign tests: a fresh SQLite file per test and throwaway PostgreSQL databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from runtime.db import init_db, make_engine

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'huashu.db'}"


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    eng = make_engine(sqlite_url)
    init_db(eng)
    yield eng
    eng.dispose()


def _pg_database() -> Iterator[str]:
    name = f"hs_camp_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def _pg_session_url() -> Iterator[str]:
    """One throwaway database for the whole run (creating one per test costs seconds)."""
    yield from _pg_database()


def _truncate(url: str) -> None:
    from sqlmodel import SQLModel

    eng = make_engine(url)
    init_db(eng)
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with eng.begin() as c:
        c.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    eng.dispose()


@pytest.fixture
def pg_url(_pg_session_url: str) -> str:
    """The session database, emptied: every test starts from no rows and ids from 1."""
    _truncate(_pg_session_url)
    return _pg_session_url


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    eng = make_engine(pg_url)
    yield eng
    eng.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'huashu.db'}"
    else:
        yield request.getfixturevalue("pg_url")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    init_db(eng)
    yield eng
    eng.dispose()
