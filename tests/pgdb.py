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
    """Bring the database to the current schema and empty every table (ids restart at 1).

    The schema is brought to head once per run, URL and set of known tables: no test changes the
    schema of the shared database (the migration tests make their own), but a module imported
    later in the run (the web's tables, say) adds tables, which are then created too. Only the tables with rows are truncated and
    only the sequences that were used are restarted: truncating all sixty tables took about a
    second a test, most tests write to a few."""
    from sqlmodel import SQLModel

    eng = make_engine(url)
    tables = [t.name for t in SQLModel.metadata.sorted_tables]
    if not set(tables) <= _AT_HEAD.get(url, set()):
        init_db(eng)
        _AT_HEAD[url] = set(tables)
    with eng.begin() as c:
        quoted = {name: '"' + name + '"' for name in tables}
        filled = c.execute(text(" UNION ALL ".join(
            f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {quoted[name]})" for name in tables))).scalars().all()
        used = c.execute(text(_USED_SEQUENCES)).all()
        if filled:
            c.execute(text(f"TRUNCATE {', '.join(quoted[n] for n in filled)} RESTART IDENTITY CASCADE"))
        for seq, table in used:
            if table in tables and table not in filled:
                c.execute(text(f'ALTER SEQUENCE "{seq}" RESTART'))
    eng.dispose()


_AT_HEAD: dict[str, set[str]] = {}  # url -> the tables known when it was brought to head

# (sequence, the table that owns it) for every sequence that has handed out a value
_USED_SEQUENCES = """
SELECT s.relname, t.relname
FROM pg_class s
JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
JOIN pg_class t ON t.oid = d.refobjid
JOIN pg_sequences q ON q.sequencename = s.relname AND q.schemaname = current_schema()
WHERE s.relkind = 'S' AND q.last_value IS NOT NULL
"""
